"""The Python code stays ruff clean (the rules live in pyproject.toml)."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]])
def test_ruff(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_benchmark_functions_fit_on_a_screen() -> None:
    """Every function of tools/bench*.py reads on one screen (45 lines at most)."""
    long = []
    for path in sorted((ROOT / "tools").glob("bench*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > 45:
                    long.append(f"{path.name}: {node.name} ({length} lines)")
    assert long == []
