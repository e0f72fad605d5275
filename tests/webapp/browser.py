"""The web app in headless Chromium against a stack: the pieces tests/e2e drives.

Runs `webapp/e2e/gallery.e2e.mjs` (playwright-core + Debian's chromium): two users sign up
(non-ASCII display names) in their own browser contexts, each creates an album with a non-ASCII
name and uploads photos (the first three real photos and one unsupported file at once), waits for
every card to end (done / failed in plain words), checks thumbnails, tags, dates, camera, GPS link,
size and dimensions, reloads and checks again: session restored, own album and photos only.
Then the second signs out and signs in as the first in the same tab (same identity id).

tests/e2e/test_local_environment.py runs it against environments/local applied on the
emulator (whose PreSignUp trigger confirms users at sign-up); `start_webapp()` serves the app with
that stack's `webapp_config`.
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


def ensure_installed() -> None:
    """The locked dependencies (npm ci), once per checkout."""
    if not (WEBAPP / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=WEBAPP, check=True)


@contextmanager
def start_webapp(config: dict, workdir: Path) -> Iterator[str]:
    """Serves the app (vite dev) on a free port with `config` as its config.json; yields the URL."""
    ensure_installed()
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


def run_e2e(url: str, artifacts: Path) -> None:
    node = shutil.which("node")
    assert node, "node is not installed"
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    ensure_installed()
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
