"""checkov on modules, environments and examples: zero failed checks (skips carry their reason)."""

from __future__ import annotations

import re
import subprocess

import pytest
from tfharness import ROOT

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


@pytest.mark.checkov
@pytest.mark.parametrize("directory", ["modules", "environments", "examples"])
def test_checkov(directory):
    if not CHECKOV.exists():
        pytest.fail(
            "checkov is missing: run `make checkov` (creates .venv-checkov from "
            "requirements/checkov.txt)"
        )
    result = subprocess.run(
        [str(ROOT / "tools" / "checkov.sh"), directory],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "Failed checks: 0" in output, output


def test_checkov_skips_carry_reasons():
    bare = []
    for tf in (
        *ROOT.glob("*.tf"),
        *ROOT.glob("modules/*/*.tf"),
        *ROOT.glob("environments/*/*.tf"),
        *ROOT.glob("examples/*/*.tf"),
    ):
        for line in tf.read_text().splitlines():
            match = re.search(r"#\s*checkov:skip=([A-Z0-9_]+)(:?)(.*)", line)
            if match and (not match.group(2) or len(match.group(3).strip()) < 10):
                bare.append(f"{tf.relative_to(ROOT)}: {line.strip()}")
    assert bare == []
