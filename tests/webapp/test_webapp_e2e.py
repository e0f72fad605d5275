"""End-to-end: the web app in headless Chromium against a running local stack.

Runs `webapp/e2e/gallery.e2e.mjs` (playwright-core + Debian's chromium): sign in, create an
album, upload three real photos and one unsupported file at once, wait for every card to end
(done / failed in plain words), check thumbnails, tags, dates, camera, GPS link, size and
dimensions, reload and check again.

It needs an applied stack, so it runs only when one is given:
- `WEBAPP_E2E_URL=http://127.0.0.1:5173/` (an app already served, e.g. by `make webapp`), or
- `WEBAPP_E2E=1` with `make up` done: the test reads `webapp_config` from environments/local
  (or `WEBAPP_E2E_ENV_DIR`), serves the app itself on a free port and runs against it.
`start_webapp()` is the piece a stack fixture can call with its own config.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEBAPP = ROOT / "webapp"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_http(url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {timeout_s} s")
        time.sleep(0.3)


@contextmanager
def start_webapp(config: dict, workdir: Path) -> Iterator[str]:
    """Serves the app (vite dev) on a free port with `config` as its config.json; yields the URL."""
    config_file = workdir / "config.json"
    config_file.write_text(json.dumps(config))
    port = _free_port()
    log = (workdir / "vite.log").open("w")
    npx = shutil.which("npx")
    assert npx, "npx is not installed"
    proc = subprocess.Popen(
        [npx, "vite", "--host", "127.0.0.1", "--port", str(port), "--strictPort"],
        cwd=WEBAPP,
        env={**os.environ, "WEBAPP_CONFIG_FILE": str(config_file)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_http(url + "config.json", 60)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _stack_config() -> dict:
    env_dir = Path(os.environ.get("WEBAPP_E2E_ENV_DIR", ROOT / "environments" / "local"))
    from tf_cli_config import terraform_env  # tools/, on the path through tests/conftest.py

    out = subprocess.run(
        ["terraform", f"-chdir={env_dir}", "output", "-json", "webapp_config"],
        env=terraform_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        pytest.fail(f"no webapp_config output in {env_dir} (run `make up`): {out.stderr}")
    return json.loads(out.stdout)


def _run_e2e(url: str, artifacts: Path) -> None:
    node = shutil.which("node")
    assert node, "node is not installed"
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    if not (WEBAPP / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=WEBAPP, check=True)
    result = subprocess.run(
        [node, "e2e/gallery.e2e.mjs"],
        cwd=WEBAPP,
        env={**os.environ, "WEBAPP_URL": url, "E2E_ARTIFACTS": str(artifacts)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    summary = json.loads(result.stdout.strip().splitlines()[-1])["summary"] if result.stdout else {}
    assert result.returncode == 0 and summary.get("failed") == 0, (
        f"web app e2e failed (artifacts in {artifacts}):\n{result.stdout}\n{result.stderr}"
    )


@pytest.mark.emulator
def test_gallery_end_to_end(tmp_path: Path) -> None:
    url = os.environ.get("WEBAPP_E2E_URL")
    if url:
        _run_e2e(url, tmp_path / "artifacts")
        return
    if os.environ.get("WEBAPP_E2E") != "1":
        pytest.skip("needs an applied stack: `make up`, then WEBAPP_E2E=1 (or WEBAPP_E2E_URL=...)")
    with start_webapp(_stack_config(), tmp_path) as served:
        _run_e2e(served, tmp_path / "artifacts")
