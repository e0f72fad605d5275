"""The web app's own checks (Vitest unit tests, tsc) run as part of `make test`.

npm is required: without it these tests fail rather than skip, so a machine that cannot build
the web app does not pass silently.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

WEBAPP = Path(__file__).resolve().parents[2] / "webapp"


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not installed: the web app's tests need Node.js 20.19+ and npm")
    return npm


def _run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": "true", "NO_COLOR": "1", "FORCE_COLOR": "0"}
    return subprocess.run(
        [_npm(), *args],
        cwd=WEBAPP,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def node_modules() -> Path:
    modules = WEBAPP / "node_modules"
    lock = WEBAPP / "package-lock.json"
    stamp = modules / ".package-lock.json"
    if not modules.is_dir() or not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
        result = _run("ci", "--no-audit", "--no-fund")
        assert result.returncode == 0, f"npm ci failed:\n{result.stdout}\n{result.stderr}"
    return modules


def test_vitest_unit_tests_pass(node_modules: Path) -> None:
    result = _run("test")
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"vitest failed:\n{output}"
    assert " passed" in output, output


def test_typecheck_passes(node_modules: Path) -> None:
    result = _run("run", "typecheck")
    assert result.returncode == 0, f"tsc --noEmit failed:\n{result.stdout}\n{result.stderr}"


def test_write_config_from_terraform_output(node_modules: Path, tmp_path: Path) -> None:
    """write-config.mjs turns `terraform output -json` (one or all outputs) into config.json."""
    node = shutil.which("node")
    assert node, "node is not installed"
    value = {
        "region": "us-east-1",
        "userPoolId": "us-east-1_AbCdEf123",
        "userPoolClientId": "3n4b5urk1ft4fl3mg5e62d9ado",
        "identityPoolId": "us-east-1:11111111-2222-3333-4444-555555555555",
        "allowGuests": False,
        "bucket": "photos",
        "imageMetadataTable": "ImageMetadata",
        "albumMetadataTable": "AlbumMetadata",
        "albumIndex": "albumID-uploadTime-index",
        "userAlbumsIndex": "userID-creationTime-index",
        "incomingPrefix": "Incoming/",
        "thumbnailPrefix": "Thumbnails/",
        "endpoint": "http://127.0.0.1:4566",
    }
    all_outputs = {"webapp_config": {"sensitive": False, "type": ["object", {}], "value": value}}
    for name, payload in (("one.json", value), ("all.json", all_outputs)):
        src = tmp_path / name
        out = tmp_path / f"config-{name}"
        src.write_text(json.dumps(payload))
        script = str(WEBAPP / "scripts" / "write-config.mjs")
        cmd = [node, script, "--from-json", str(src), "--out", str(out)]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        assert json.loads(out.read_text()) == value

    # Against AWS the endpoint is null, and guests may be left out (off).
    aws = {k: v for k, v in value.items() if k != "allowGuests"} | {"endpoint": None}
    src = tmp_path / "aws.json"
    src.write_text(json.dumps(aws))
    out = tmp_path / "config-aws.json"
    script = str(WEBAPP / "scripts" / "write-config.mjs")
    cmd = [node, script, "--from-json", str(src), "--out", str(out)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text()) == aws | {"allowGuests": False}

    for payload, message in (
        ({"region": "us-east-1"}, "userPoolId"),
        (
            {"webapp_config": {"sensitive": False, "type": "dynamic", "value": None}},
            "no test client",
        ),
        (value | {"allowGuests": "yes"}, "allowGuests"),
    ):
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(payload))
        cmd = [node, script, "--from-json", str(bad), "--out", str(tmp_path / "x.json")]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        assert result.returncode != 0
        assert message in result.stderr
        assert not (tmp_path / "x.json").exists()
