"""``python -m local_aws [--port N] [--state-dir DIR] start|stop|status|serve``."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from . import DEFAULT_PORT

START_TIMEOUT_S = 60


def _pid_file(state_dir: Path) -> Path:
    return state_dir / "server.pid"


def _running_pid(state_dir: Path) -> int | None:
    try:
        pid = int(_pid_file(state_dir).read_text().split()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    return pid


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/config", timeout=2) as r:
            return 200 <= r.status < 300
    except OSError:
        return False


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def start(port: int, state_dir: Path, if_not_running: bool) -> int:
    pid = _running_pid(state_dir)
    if pid is not None:
        if if_not_running and _healthy(port):
            print(f"already running: local AWS (pid {pid}) at http://127.0.0.1:{port}")
            return 0
        print(
            f"error: local AWS is already running (pid {pid}, state {state_dir}); "
            "stop it first with `make down`",
            file=sys.stderr,
        )
        return 1
    if _port_taken(port):
        print(f"error: port {port} on 127.0.0.1 is in use by another program", file=sys.stderr)
        return 1
    state_dir.mkdir(parents=True, exist_ok=True)
    log = open(state_dir / "server.log", "ab")  # noqa: SIM115 - handed to the child
    tools_dir = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": tools_dir}
    command = [sys.executable, "-m", "local_aws", "--port", str(port)]
    command += ["--state-dir", str(state_dir), "serve"]
    # Its own session, so that `stop` ends the server and every function it runs at once.
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
    )
    _pid_file(state_dir).write_text(f"{process.pid} {port}\n")
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            print(f"error: local AWS exited; see {state_dir / 'server.log'}", file=sys.stderr)
            _pid_file(state_dir).unlink(missing_ok=True)
            return 1
        if _healthy(port):
            print(f"started: local AWS (pid {process.pid}) at http://127.0.0.1:{port}")
            return 0
        time.sleep(0.2)
    stop(state_dir)
    print(f"error: local AWS did not answer within {START_TIMEOUT_S}s", file=sys.stderr)
    return 1


def stop(state_dir: Path) -> int:
    pid = _running_pid(state_dir)
    if pid is None:
        _pid_file(state_dir).unlink(missing_ok=True)
        print("not running: local AWS")
        return 0
    for sig, wait_s in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and _group_alive(pid):
            time.sleep(0.1)
        if not _group_alive(pid):
            break
    _pid_file(state_dir).unlink(missing_ok=True)
    print(f"stopped: local AWS (pid {pid})")
    return 0


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    # A zombie leader still counts as alive to killpg; reap it if it is our child.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pgid, os.WNOHANG)
    return True


def status(port: int, state_dir: Path) -> int:
    pid = _running_pid(state_dir)
    if pid is not None and _healthy(port):
        print(f"running: local AWS (pid {pid}) at http://127.0.0.1:{port}")
        return 0
    print("not running: local AWS")
    return 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="local_aws", description=__doc__)
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("LOCAL_AWS_PORT", DEFAULT_PORT))
    )
    parser.add_argument("--state-dir", type=Path, default=Path(".local-aws"))
    sub = parser.add_subparsers(dest="command", required=True)
    start_parser = sub.add_parser("start", help="start in the background, health-checked")
    start_parser.add_argument("--if-not-running", action="store_true")
    sub.add_parser("stop", help="stop the server and every process it started")
    sub.add_parser("status", help="exit 0 when running and healthy")
    sub.add_parser("serve", help="run in the foreground")
    args = parser.parse_args(argv)
    state_dir = args.state_dir.resolve()
    if args.command == "start":
        return start(args.port, state_dir, args.if_not_running)
    if args.command == "stop":
        return stop(state_dir)
    if args.command == "status":
        return status(args.port, state_dir)
    from .server import serve

    serve(args.port, state_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
