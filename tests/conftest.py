"""Fixtures shared by every test: the local AWS emulator and Terraform.

Tests that need Terraform or the emulator fail, never skip, when their tools are missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from tf_cli_config import terraform_env

ROOT = Path(__file__).resolve().parents[1]

REGION = "us-east-1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by the tools their fixtures need, so `pytest -m "not emulator and not
    terraform and not checkov"` (make test-fast) is the subset that needs none of them. A test
    that starts a tool itself is marked by hand (tests/test_markers.py checks)."""
    for item in items:
        needs = set(getattr(item, "fixturenames", ()))
        if "local_aws" in needs:
            item.add_marker(pytest.mark.emulator)
        if "terraform_bin" in needs:
            item.add_marker(pytest.mark.terraform)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def local_aws_command(
    port: int, state_dir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    command = ["-m", "local_aws", "--port", str(port), "--state-dir", str(state_dir), *args]
    return subprocess.run(
        [sys.executable, *command],
        env={**os.environ, **(env or {}), "PYTHONPATH": str(ROOT / "tools")},
        capture_output=True,
        text=True,
        timeout=120,
    )


@dataclass(frozen=True)
class LocalAws:
    """A running emulator: its endpoint and where it keeps its logs."""

    port: int
    state_dir: Path

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, service: str):
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}, read_timeout=120),
        )

    def function_log(self, function_name: str) -> str:
        path = self.state_dir / "logs" / f"{function_name}.log"
        return path.read_text() if path.exists() else ""


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAws]:
    """One emulator for the whole session, on a free port, stopped at the end."""
    emulator = LocalAws(free_port(), tmp_path_factory.mktemp("local-aws"))
    started = local_aws_command(emulator.port, emulator.state_dir, "start")
    if started.returncode != 0:
        log = emulator.state_dir / "server.log"
        pytest.fail(
            f"local AWS did not start: {started.stderr}\n{log.read_text() if log.exists() else ''}"
        )
    try:
        yield emulator
    finally:
        local_aws_command(emulator.port, emulator.state_dir, "stop")


@pytest.fixture(scope="session")
def terraform_bin() -> str:
    found = shutil.which("terraform")
    if found is None:
        pytest.fail("terraform is not on PATH: install the version in .terraform-version")
    return found


@pytest.fixture(scope="session")
def tf_env() -> dict[str, str]:
    """The environment terraform runs with: offline provider mirror where the machine has one,
    and the default workspace whatever the caller's shell selected."""
    env = terraform_env()
    env.pop("TF_WORKSPACE", None)
    return env


def copy_config(source: Path, destination: Path) -> Path:
    """A throwaway copy of a Terraform config, so tests never share state with the repo."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    return destination
