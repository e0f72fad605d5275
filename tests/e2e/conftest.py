"""The one applied stack every end-to-end test shares: environments/local on the session's
emulator, applied once per workflow type. Every test that uses `deployed` runs with STANDARD,
then with EXPRESS: the same stack is applied again with the other type (only the state machine
and its backstop change), its bucket, tables and users emptied first, so each run starts as a
fresh stack does. The test marked `stack_teardown` re-plans it and destroys it; it runs after
every other end-to-end test, whatever the file order."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, LocalAws

# E2E_STATE_MACHINE_TYPES=EXPRESS (or STANDARD) runs one type only, for a quicker local run.
STATE_MACHINE_TYPES = os.environ.get("E2E_STATE_MACHINE_TYPES", "STANDARD,EXPRESS").split(",")
assert set(STATE_MACHINE_TYPES) <= {"STANDARD", "EXPRESS"}, STATE_MACHINE_TYPES


def _type_of(item: pytest.Item) -> int:
    callspec = getattr(item, "callspec", None)
    given = callspec.params.get("deployed") if callspec else None
    return STATE_MACHINE_TYPES.index(given) if given in STATE_MACHINE_TYPES else -1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every end-to-end test of one workflow type before those of the next (one re-apply), and
    the stack's teardown test after all of them, so the tests after tests/e2e (the emulator's)
    find the account as empty as before."""
    here = Path(__file__).parent
    teardown = [i for i in items if i.get_closest_marker("stack_teardown")]
    rest = [i for i in items if not i.get_closest_marker("stack_teardown")]
    in_e2e = [n for n, i in enumerate(rest) if i.path.is_relative_to(here)]
    if not in_e2e:
        items[:] = rest + teardown
        return
    first, last = in_e2e[0], in_e2e[-1] + 1
    e2e = sorted(rest[first:last], key=_type_of)  # stable: file order within a type
    items[:] = rest[:first] + e2e + teardown + rest[last:]


def terraform_in(tf_env: dict[str, str], workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["terraform", *args], cwd=workdir, env=tf_env, capture_output=True, text=True, timeout=900
    )


@pytest.fixture(scope="session")
def stack(local_aws: LocalAws, terraform_bin: str, tf_env, tmp_path_factory) -> dict[str, Any]:
    """A copy of the repo's Terraform tree, packaged for the emulator and initialised; `deployed`
    applies it (and records the variables of the last apply in ``vars``)."""
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
    done = terraform_in(tf_env, workdir, "init", "-input=false")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    return {"workdir": workdir, "vars": [], "applied": None, "outputs": {}}


@pytest.fixture(scope="session", params=STATE_MACHINE_TYPES)
def deployed(request, stack, local_aws: LocalAws, tf_env) -> dict[str, Any]:
    """The stack applied with the workflow type ``request.param`` (after the other type's run:
    emptied, then applied again). The EXPRESS run also turns the moderation branch and guests
    (unauthenticated identities) on, so the pipeline is checked with and without moderation and
    isolation with and without guests."""
    state_machine_type = request.param
    moderation = guests = state_machine_type == "EXPRESS"
    if stack["applied"] is not None:
        _empty(local_aws, stack["outputs"])
    runtime = f"python{sys.version_info.major}.{sys.version_info.minor}"  # as package.py builds
    tf_vars = [
        *("-var", f"aws_endpoint_url={local_aws.endpoint_url}"),
        *("-var", f"runtime={runtime}"),
        *("-var", f"state_machine_type={state_machine_type}"),
        *("-var", f"moderation_enabled={str(moderation).lower()}"),
        *("-var", f"allow_unauthenticated_identities={str(guests).lower()}"),
    ]
    done = terraform_in(
        tf_env, stack["workdir"], "apply", "-input=false", "-auto-approve", *tf_vars
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    raw = json.loads(terraform_in(tf_env, stack["workdir"], "output", "-json").stdout)
    outputs = {k: v["value"] for k, v in raw.items()}
    stack.update(vars=tf_vars, applied=state_machine_type, outputs=outputs)
    return {
        "outputs": outputs,
        "workdir": stack["workdir"],
        "vars": tf_vars,
        "state_machine_type": state_machine_type,
        "moderation": moderation,
        "guests": guests,
    }


def wait_quiet(
    local_aws: LocalAws, function: str, quiet_s: float = 3, timeout_s: float = 120
) -> None:
    """Until ``function`` has handled no new invocation for ``quiet_s`` (at most ``timeout_s``):
    the events an earlier step caused are behind us."""
    handled, quiet_since = -1, time.monotonic()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() - quiet_since < quiet_s and time.monotonic() < deadline:
        now = local_aws.function_log(function).count("END RequestId")
        if now != handled:
            handled, quiet_since = now, time.monotonic()
        time.sleep(0.5)


def _empty(local_aws: LocalAws, outputs: dict[str, Any]) -> None:
    """What the last run left: every object version, then (once the trigger has handled their
    removal events) every item and every user, as on a freshly applied stack."""
    s3, bucket = local_aws.client("s3"), outputs["bucket_name"]
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])
    wait_quiet(local_aws, outputs["function_names"]["start_execution"])
    dynamodb = local_aws.client("dynamodb")
    for table, key in (
        (outputs["image_metadata_table_name"], "imageID"),
        (outputs["album_metadata_table_name"], "albumID"),
    ):
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                dynamodb.delete_item(TableName=table, Key={key: item[key]})
    cognito, pool = local_aws.client("cognito-idp"), outputs["webapp_config"]["userPoolId"]
    for page in cognito.get_paginator("list_users").paginate(UserPoolId=pool):
        for user in page["Users"]:
            cognito.admin_delete_user(UserPoolId=pool, Username=user["Username"])
