"""Shared fixtures of the Terraform tests: a staged copy of the repository, init/validate/plan via
tftest, a throwaway moto server as the plan-time endpoint, and YAML subset inventories.

Modules never know about test endpoints: the harness writes the provider configuration.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
import tftest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
INVENTORIES = HERE / "inventories"
sys.path.insert(0, str(ROOT / "tools"))

MODULES = sorted(p.parent.name for p in (ROOT / "modules").glob("*/versions.tf"))
ENVIRONMENTS = sorted(p.parent.name for p in (ROOT / "environments").glob("*/versions.tf"))
EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/versions.tf"))
ROOTS = (
    ["."]
    + [f"modules/{m}" for m in MODULES]
    + [f"environments/{e}" for e in ENVIRONMENTS]
    + [f"examples/{e}" for e in EXAMPLES]
)
SERVICES = [
    "cognitoidentity",
    "cognitoidp",
    "dynamodb",
    "events",
    "iam",
    "kms",
    "lambda",
    "logs",
    "rekognition",
    "s3",
    "sfn",
    "sqs",
    "sts",
]
# Attributes left out of inventories: noisy, or checked by dedicated tests.
NOISY = {"tags_all", "source_code_hash", "policy", "assume_role_policy", "definition", "filename"}
# What an inventory asserts of each resource (Fabric's style: the keys that matter, not a
# snapshot): its identity, sizing, retention, encryption and protection. A regenerated inventory
# holds only these; a hand-written one may add any key.
INVENTORY_KEYS = {
    "name",
    "function_name",
    "bucket",
    "runtime",
    "architectures",
    "memory_size",
    "timeout",
    "retention_in_days",
    "kms_key_id",
    "kms_master_key_id",
    "sqs_managed_sse_enabled",
    "server_side_encryption",
    "rule",
    "type",
    "hash_key",
    "deletion_protection_enabled",
    "point_in_time_recovery",
    "force_destroy",
    "allow_unauthenticated_identities",
}
REGENERATE = os.environ.get("REGENERATE_INVENTORY") == "1"


def provider_block(endpoint: str, region: str = "eu-west-1") -> str:
    endpoints = "\n".join(f'    {s} = "{endpoint}"' for s in SERVICES)
    return f"""provider "aws" {{
  region                      = "{region}"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
  max_retries                 = 5
  endpoints {{
{endpoints}
  }}
}}
"""


def write_dummy_packages(directory: Path) -> None:
    """Tiny stand-ins for tools/package.py's zips: plans only hash them."""
    directory.mkdir(parents=True, exist_ok=True)
    names = ["functions.zip"] + [
        f"layer-{r}-{a}.zip" for r in ("python3.11", "python3.13") for a in ("arm64", "x86_64")
    ]
    for name in names:
        with zipfile.ZipFile(directory / name, "w") as zf:
            zf.writestr(zipfile.ZipInfo("python/README", (1980, 1, 1, 0, 0, 0)), name)


@pytest.fixture(scope="session")
def aws_endpoint(local_aws) -> str:
    """The session's local AWS answers the few reads a plan makes (GetCallerIdentity,
    ValidateStateMachineDefinition), with the emulator's own patches."""
    return local_aws.endpoint_url


TEMPLATE = "statemachine.json.tftpl"


@pytest.fixture(scope="session")
def stage(tmp_path_factory):
    """Lay out a fresh tree shaped like the repository (the root module's files, modules/, the ASL
    template, build/lambda) and copy a root's .tf files into it, so relative module sources and
    paths resolve, and no .terraform lands in the checkout. `rel` "." is the root module."""

    def _stage(rel: str, main_tf: str | None = None, extra: dict[str, str] | None = None) -> Path:
        base = tmp_path_factory.mktemp("tf")
        (base / "modules").symlink_to(ROOT / "modules")
        for path in [ROOT / TEMPLATE, *ROOT.glob("*.tf")]:
            (base / path.name).symlink_to(path)
        write_dummy_packages(base / "build" / "lambda")
        # A module is validated on its own: stage it beside modules/, two levels deep as well.
        target = base / ("staged/" + rel.split("/", 1)[1] if rel.startswith("modules/") else rel)
        target.mkdir(parents=True, exist_ok=True)
        if main_tf is None:
            # The module's own files: its .tf and the templates it renders (*.tftpl).
            for tf in (
                [*(ROOT / rel).glob("*.tf"), *(ROOT / rel).glob("*.tftpl")] if rel != "." else []
            ):
                shutil.copy(tf, target / tf.name)
        else:
            (target / "main.tf").write_text(main_tf)
            (target / TEMPLATE).symlink_to(ROOT / TEMPLATE)
            write_dummy_packages(target / "build" / "lambda")
        for name, text in (extra or {}).items():
            (target / name).write_text(text)
        return target

    return _stage


@pytest.fixture(scope="session")
def plan(terraform_bin, tf_env, aws_endpoint, stage):
    """Plan a root (staged) and return the plan JSON; cached per (root, case)."""
    cache: dict[tuple, dict] = {}

    def _plan(
        rel: str, main_tf: str | None = None, tf_vars: dict | None = None, provider: bool = True
    ) -> dict:
        key = (rel, main_tf, json.dumps(tf_vars, sort_keys=True))
        if key not in cache:
            extra = {"zz_test_override.tf": provider_block(aws_endpoint)} if provider else None
            if main_tf is not None and provider:
                extra = {"providers.tf": provider_block(aws_endpoint)}
            tfdir = stage(rel, main_tf, extra)
            tf = tftest.TerraformTest(str(tfdir), binary=terraform_bin, env=tf_env)
            tf.setup(extra_files=None, init_vars=None, upgrade=False, cleanup_on_exit=False)
            result = tf.plan(output=True, tf_vars=tf_vars or {})
            cache[key] = result._raw
        return cache[key]

    return _plan


def readme_usage(module: str) -> str:
    """The HCL block under `## Usage` of a module README ("." for the root module's), with the
    root module's published source pointed at the staged tree."""
    readme = ROOT / ("README.md" if module == "." else f"modules/{module}/README.md")
    match = re.search(r"## Usage\n.*?```hcl\n(.*?)```", readme.read_text(), re.S)
    assert match, f"{readme.relative_to(ROOT)} has no ```hcl block under ## Usage"
    return re.sub(r'source\s*=\s*"git::[^"]*"', 'source = "../.."', match.group(1))


# ---- plan JSON helpers --------------------------------------------------------------------


def _walk(module: dict):
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _walk(child)


def planned(plan_json: dict) -> dict[str, dict]:
    """Managed resources by address: planned values (unknown values are absent). A plan from
    `terraform test -json -verbose` has only resource_changes: their `after` values then."""
    if "planned_values" not in plan_json:
        return {
            c["address"]: c["change"]["after"] or {}
            for c in plan_json.get("resource_changes", [])
            if c["mode"] == "managed" and "delete" not in c["change"]["actions"]
        }
    root = plan_json.get("planned_values", {}).get("root_module", {})
    return {r["address"]: r.get("values", {}) for r in _walk(root) if r["mode"] == "managed"}


def planned_outputs(plan_json: dict) -> dict:
    if "planned_values" not in plan_json:
        return {k: v.get("after") for k, v in plan_json.get("output_changes", {}).items()}
    return {k: v.get("value") for k, v in plan_json["planned_values"].get("outputs", {}).items()}


def counts(plan_json: dict) -> dict[str, int]:
    out: dict[str, int] = {}
    for change in plan_json.get("resource_changes", []):
        if change["mode"] == "managed" and "delete" not in change["change"]["actions"]:
            out[change["type"]] = out.get(change["type"], 0) + 1
    return dict(sorted(out.items()))


def by_type(plan_json: dict, rtype: str) -> dict[str, dict]:
    return {
        a: v
        for a, v in planned(plan_json).items()
        if a.split(".")[-2].endswith(rtype) and re.search(rf"(^|\.){rtype}\.", a)
    }


def policy_statements(policy_json: str) -> dict[str, dict]:
    """Statements of an IAM policy document by Sid, actions and resources as sorted lists."""
    doc = json.loads(policy_json)
    out = {}
    for st in doc["Statement"]:
        listify = lambda v: sorted(v if isinstance(v, list) else [v])  # noqa: E731
        out[st.get("Sid", "")] = {
            "Effect": st["Effect"],
            "Action": listify(st.get("Action", [])),
            "Resource": listify(st.get("Resource", [])),
            **({"Condition": st["Condition"]} if "Condition" in st else {}),
        }
    return out


# ---- inventories --------------------------------------------------------------------------


def _prune(value):
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items() if k not in NOISY}
        return {k: v for k, v in pruned.items() if v not in (None, [], {}, "")}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def _subset(expected, actual, path: str, problems: list[str]) -> None:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            problems.append(f"{path}: expected a mapping, got {actual!r}")
            return
        for key, want in expected.items():
            if want == "__missing__":
                if key in actual and actual[key] not in (None, [], {}):
                    problems.append(f"{path}.{key}: expected absent, got {actual[key]!r}")
            elif key not in actual:
                problems.append(f"{path}.{key}: missing (expected {want!r})")
            else:
                _subset(want, actual[key], f"{path}.{key}", problems)
    elif isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            problems.append(f"{path}: expected {expected!r}, got {actual!r}")
            return
        for i, (want, got) in enumerate(zip(expected, actual, strict=True)):
            _subset(want, got, f"{path}[{i}]", problems)
    elif expected != actual:
        problems.append(f"{path}: expected {expected!r}, got {actual!r}")


def check_inventory(
    plan_json: dict, name: str, selector: str, placeholders: dict[str, str] | None = None
) -> None:
    """Compare a plan with inventories/<name>.yaml (a subset: only the keys written are checked;
    `__missing__` means absent). REGENERATE_INVENTORY=1 rewrites the file from the plan.
    `placeholders` maps run-specific strings (a random port) to stable names."""
    path = INVENTORIES / f"{name}.yaml"
    actual = {
        "counts": counts(plan_json),
        "values": _prune(planned(plan_json)),
        "outputs": _prune(planned_outputs(plan_json)),
    }
    text = json.dumps(actual)
    for value, placeholder in (placeholders or {}).items():
        text = text.replace(value, placeholder)
    actual = json.loads(text)
    regen = f"REGENERATE_INVENTORY=1 .venv/bin/python -m pytest tests/modules -k '{selector}'"
    if REGENERATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        written = {
            **actual,
            "values": {
                address: {k: v for k, v in values.items() if k in INVENTORY_KEYS}
                for address, values in actual["values"].items()
            },
        }
        path.write_text(yaml.safe_dump(written, sort_keys=True, width=100))
        if not REGENERATE:
            pytest.fail(f"wrote missing inventory {path.relative_to(ROOT)}; review and commit it")
        return
    expected = yaml.safe_load(path.read_text()) or {}
    problems: list[str] = []
    if "counts" in expected and expected["counts"] != actual["counts"]:
        problems.append(f"counts: expected {expected['counts']}, got {actual['counts']}")
    _subset({k: v for k, v in expected.items() if k != "counts"}, actual, "", problems)
    if problems:
        pytest.fail(
            f"plan differs from {path.relative_to(ROOT)}:\n  "
            + "\n  ".join(problems)
            + f"\nIf the change is intended, regenerate with:\n  {regen}"
        )
