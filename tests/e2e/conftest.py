"""The one applied stack every end-to-end test shares: environments/local on the session's
emulator, applied once. The test marked `stack_teardown` re-plans it and destroys it; it runs
after every other end-to-end test, whatever the file order."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, LocalAws

# The workflow type the stack is applied with: `make test` runs the end-to-end tests once per
# type (E2E_STATE_MACHINE_TYPE=EXPRESS the second time).
STATE_MACHINE_TYPE = os.environ.get("E2E_STATE_MACHINE_TYPE", "STANDARD")
assert STATE_MACHINE_TYPE in ("STANDARD", "EXPRESS"), STATE_MACHINE_TYPE


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the stack's teardown test after every other end-to-end test, so the tests after
    tests/e2e (the emulator's) find the account as empty as before."""
    here = Path(__file__).parent
    teardown = [i for i in items if i.get_closest_marker("stack_teardown")]
    rest = [i for i in items if not i.get_closest_marker("stack_teardown")]
    in_e2e = [n for n, i in enumerate(rest) if i.path.is_relative_to(here)]
    at = in_e2e[-1] + 1 if in_e2e else len(rest)
    items[:] = rest[:at] + teardown + rest[at:]


def terraform_in(tf_env: dict[str, str], workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["terraform", *args], cwd=workdir, env=tf_env, capture_output=True, text=True, timeout=900
    )


@pytest.fixture(scope="session")
def deployed(local_aws: LocalAws, terraform_bin: str, tf_env, tmp_path_factory) -> dict[str, Any]:
    """A copy of the repo's Terraform tree, packaged for the emulator and applied on it."""
    repo = tmp_path_factory.mktemp("e2e") / "repo"
    for part in ("modules", "environments/local"):
        shutil.copytree(
            ROOT / part, repo / part, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*")
        )
    for path in [ROOT / "statemachine.json.tftpl", *ROOT.glob("*.tf")]:  # the root module
        shutil.copy(path, repo)
    built = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "package.py"),
            "--target",
            "local",
            "--out-dir",
            str(repo / "build" / "lambda"),
        ],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    workdir = repo / "environments" / "local"
    runtime = f"python{sys.version_info.major}.{sys.version_info.minor}"  # as package.py builds
    tf_vars = [
        *("-var", f"aws_endpoint_url={local_aws.endpoint_url}"),
        *("-var", f"runtime={runtime}"),
        *("-var", f"state_machine_type={STATE_MACHINE_TYPE}"),
    ]
    for args in (("init", "-input=false"), ("apply", "-input=false", "-auto-approve", *tf_vars)):
        done = terraform_in(tf_env, workdir, *args)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    raw = json.loads(terraform_in(tf_env, workdir, "output", "-json").stdout)
    return {
        "outputs": {k: v["value"] for k, v in raw.items()},
        "workdir": workdir,
        "vars": tf_vars,
        "state_machine_type": STATE_MACHINE_TYPE,
    }
