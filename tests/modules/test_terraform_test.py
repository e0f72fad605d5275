"""`terraform test` with a mocked provider plans every environment and example (no AWS account,
no emulator): each run must pass its own assertions, and its plan must match the subset
inventory tests/modules/inventories/terraform-test/<run>.yaml."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from tfharness import ROOT, check_inventory, planned

TESTS = ROOT / "tests" / "terraform"
RUNS = sorted(
    {
        m
        for f in TESTS.glob("*.tftest.hcl")
        for m in re.findall(r'^run "([^"]+)"', f.read_text(), re.M)
    }
)
COPIED = ("modules", "environments", "examples", "tests/terraform")


@pytest.fixture(scope="module")
def terraform_test(terraform_bin, tf_env, tmp_path_factory) -> dict[str, dict]:
    """Run `terraform test -json -verbose` once in a copy of the tree: {run: {status, plan}}."""
    tree = tmp_path_factory.mktemp("terraform-test")
    ignore = shutil.ignore_patterns(".terraform*", "*.tfstate*")
    for part in COPIED:
        shutil.copytree(ROOT / part, tree / part, ignore=ignore)
    for path in [ROOT / "statemachine.json.tftpl", *ROOT.glob("*.tf")]:
        shutil.copy(path, tree)
    command = [terraform_bin, "-chdir=" + str(tree)]
    init = subprocess.run(
        [*command, "init", "-input=false", "-no-color", "-test-directory=tests/terraform"],
        env=tf_env,
        capture_output=True,
        text=True,
    )
    assert init.returncode == 0, init.stdout + init.stderr
    done = subprocess.run(
        [*command, "test", "-no-color", "-json", "-verbose", "-test-directory=tests/terraform"],
        env=tf_env,
        capture_output=True,
        text=True,
    )
    runs: dict[str, dict] = {}
    diagnostics: list[str] = []
    for line in done.stdout.splitlines():
        message = json.loads(line)
        run = message.get("@testrun")
        if message["type"] == "test_run" and "status" in message["test_run"]:
            runs.setdefault(run, {})["status"] = message["test_run"]["status"]
        elif message["type"] == "test_plan":
            runs.setdefault(run, {})["plan"] = message["test_plan"]
        elif message["type"] == "diagnostic":
            diagnostics.append(f"{run}: {message['@message']}")
    return {"runs": runs, "diagnostics": diagnostics, "stderr": done.stderr}


def test_every_environment_and_example_is_planned():
    planned = {r.split("_", 1)[-1] if r.startswith("example_") else r for r in RUNS}
    wanted = {p.parent.name for p in ROOT.glob("environments/*/versions.tf")}
    wanted |= {p.parent.name for p in ROOT.glob("examples/*/versions.tf")}
    assert {w.replace("-", "_") for w in wanted} <= planned


@pytest.mark.parametrize("run", RUNS)
def test_run_passes_and_matches_inventory(terraform_test, run):
    result = terraform_test["runs"].get(run, {})
    assert result.get("status") == "pass", (
        f"run {run}: {result.get('status')}\n"
        + "\n".join(terraform_test["diagnostics"])
        + terraform_test["stderr"]
    )
    check_inventory(result["plan"], f"terraform-test/{run}", run)


@pytest.mark.parametrize(("run", "execution_data"), [("dev", True), ("prod", False)])
def test_state_machines_log_execution_data_only_in_dev(terraform_test, run, execution_data):
    """prod's execution history logs carry no execution data (inputs and outputs: keys, labels,
    GPS); dev's do, for debugging. Both state machines, every level (ALL)."""
    values = planned(terraform_test["runs"][run]["plan"])
    machines = {k: v for k, v in values.items() if ".aws_sfn_state_machine." in k}
    assert set(machines) == {
        "module.image_pipeline.module.pipeline.aws_sfn_state_machine.this",
        "module.image_pipeline.module.pipeline.aws_sfn_state_machine.backfill[0]",
    }
    for address, machine in machines.items():
        logging = machine["logging_configuration"]
        assert [(c["include_execution_data"], c["level"]) for c in logging] == [
            (execution_data, "ALL")
        ], address
