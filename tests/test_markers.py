"""`make test-fast` collects no test that starts the emulator or needs terraform or checkov.

Markers come from fixtures (tests/conftest.py) or are set by hand on tests that start a tool
themselves; this reads what the fast subset collects and looks for a tool in each test's code.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

from tests.conftest import ROOT

# What starts a tool: the emulator's CLI, terraform, checkov's venv or script.
STARTS_A_TOOL = re.compile(
    r"local_aws_command\(|\bterraform_bin\b|tftest\.|\[\s*\"terraform\"|\bCHECKOV\b|checkov\.sh"
)


def fast_expression() -> str:
    """The marker expression `make test-fast` runs (FAST_TESTS in the Makefile)."""
    match = re.search(r"^FAST_TESTS := (.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert match, "the Makefile defines no FAST_TESTS"
    return match.group(1).strip()


@cache
def functions(path: Path) -> dict[str, str]:
    """Source of every function in a test file, by name (methods and helpers included)."""
    text = path.read_text()
    return {
        node.name: ast.get_source_segment(text, node) or ""
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def code_of(node_id: str) -> str:
    """The test's own code and that of the functions of its file it calls."""
    file, _, name = node_id.split("[")[0].partition("::")
    name = name.split("::")[-1]
    defined = functions(ROOT / file)
    own = defined[name]
    tree = ast.walk(ast.parse(own))
    called = {c.func.id for c in tree if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
    return "\n".join([own, *(defined[c] for c in called - {name} if c in defined)])


def test_the_fast_subset_starts_no_tool():
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", fast_expression()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stdout + collected.stderr
    node_ids = [line for line in collected.stdout.splitlines() if "::" in line]
    assert node_ids, collected.stdout
    starting = sorted({n.split("[")[0] for n in node_ids if STARTS_A_TOOL.search(code_of(n))})
    assert starting == [], "mark these emulator, terraform or checkov (tests/conftest.py)"


def test_the_fast_subset_leaves_out_the_tools_markers():
    expression = fast_expression()
    for marker in ("emulator", "terraform", "checkov"):
        assert f"not {marker}" in expression
