"""Runs a Lambda function's own deployment package in child Python processes.

moto stores functions but runs their code only in Docker. This runner replaces that step:
it unpacks the function zip and its layers once per code hash, then runs the handler in an
isolated interpreter (``-I -S``) whose import path holds only the package, the layers and the
boto3 that the real runtime provides. As in Lambda, a sandbox imports the handler once (cold
start), serves one invocation at a time while warm, runs beside others when calls overlap, and
is thrown away when it times out, crashes, or its function changes. The function's
environment, its timeout and AWS's error shape are honoured; each invocation's output goes to
CloudWatch Logs (a stream per sandbox) and to a file per function.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import io
import json
import os
import queue
import select
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
END_MARKER = "\x00local-aws-end "  # bootstrap.py closes each invocation's log with it
SANDBOX_IDLE_S = 300  # a warm sandbox unused this long is shut down
SANDBOXES_KEPT_WARM = 4  # per function configuration
# What the AWS Python runtime ships beside the standard library.
RUNTIME_DISTRIBUTIONS = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "six",
    "urllib3",
)


@dataclass(frozen=True)
class Invocation:
    """The outcome of one invocation: the JSON payload text, whether it failed, its log."""

    payload: str
    errored: bool
    log: str


class LambdaRuntime:
    """Unpacks packages under ``state_dir`` and runs handlers against ``endpoint_url``."""

    def __init__(self, state_dir: Path, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url
        self.code_dir = state_dir / "lambda" / "code"
        self.runtime_dir = state_dir / "lambda" / "runtime"
        self.log_dir = state_dir / "logs"
        self._unpack_lock = threading.Lock()
        self._pool_lock = threading.Lock()
        self._idle: dict[str, list[_Sandbox]] = {}
        for directory in (self.code_dir, self.log_dir):
            directory.mkdir(parents=True, exist_ok=True)
        self._link_runtime_packages()

    def _link_runtime_packages(self) -> None:
        """Expose the host's boto3 and its dependencies, and nothing else, to the child."""
        self.runtime_dir.mkdir(parents=True, exist_ok=True)
        for name in RUNTIME_DISTRIBUTIONS:
            dist = importlib.metadata.distribution(name)
            tops = {Path(str(f)).parts[0] for f in dist.files or () if not str(f).startswith("..")}
            for top in tops:
                if top.endswith((".dist-info", ".egg-info")) or top == "__pycache__":
                    continue
                source = Path(str(dist.locate_file(top)))
                link = self.runtime_dir / top
                if source.exists() and not link.exists():
                    link.symlink_to(source)

    def _unpack(self, code_sha_256: str, code: bytes) -> Path:
        # moto keeps the SHA-256 in base64, whose alphabet includes "/": use hex for the path.
        digest = (
            base64.b64decode(code_sha_256).hex()
            if code_sha_256
            else hashlib.sha256(code).hexdigest()
        )
        target = self.code_dir / digest
        with self._unpack_lock:
            if not target.is_dir():
                staging = Path(tempfile.mkdtemp(dir=self.code_dir))
                with zipfile.ZipFile(io.BytesIO(code)) as archive:
                    archive.extractall(staging)
                staging.rename(target)
        return target

    def _sys_path(self, function: Any, task_dir: Path) -> list[str]:
        """The import path the AWS runtime builds: task root, then layers under /opt."""
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        paths = [str(task_dir)]
        backend = _lambda_backend(function)
        for layer in function.layers:
            layer_version = backend.layers_versions_by_arn(layer["Arn"])
            opt = self._unpack(layer_version.code_sha_256, layer_version.code_bytes)
            paths += [str(opt / "python" / "lib" / version / "site-packages"), str(opt / "python")]
        return [*paths, str(self.runtime_dir)]

    def _environment(self, function: Any, task_dir: Path, stream: str) -> dict[str, str]:
        return {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": str(task_dir),
            "LAMBDA_RUNTIME_DIR": str(self.runtime_dir),
            "_HANDLER": function.handler,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.run_time}",
            "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
            "AWS_LAMBDA_FUNCTION_VERSION": str(function.version),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(float(function.timeout or 3)),
            "AWS_LAMBDA_LOG_GROUP_NAME": function.logs_group_name,
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "AWS_REGION": function.region,
            "AWS_DEFAULT_REGION": function.region,
            "AWS_ACCESS_KEY_ID": "local-aws-function",
            "AWS_SECRET_ACCESS_KEY": "local-aws-function",
            "AWS_SESSION_TOKEN": "local-aws-function",
            **{k: str(v) for k, v in (function.environment_vars or {}).items()},
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "_LOCAL_AWS_FUNCTION_ARN": function.function_arn,
            "_LOCAL_AWS_SYS_PATH": os.pathsep.join(self._sys_path(function, task_dir)),
        }

    def _sandbox_key(self, function: Any) -> str:
        """What a warm sandbox depends on: any change to the function needs a fresh one."""
        parts = [
            function.function_arn,
            function.code_sha_256,
            function.handler,
            function.run_time,
            function.timeout,
            function.memory_size,
            [layer["Arn"] for layer in function.layers],
            function.environment_vars,
        ]
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()

    def _take_sandbox(self, function: Any) -> _Sandbox:
        key = self._sandbox_key(function)
        with self._pool_lock:
            now = time.monotonic()
            for other_key, idle in list(self._idle.items()):
                for sandbox in [s for s in idle if now - s.last_used > SANDBOX_IDLE_S]:
                    idle.remove(sandbox)
                    sandbox.close()
                if not idle:
                    del self._idle[other_key]
            idle = self._idle.get(key, [])
            while idle:
                sandbox = idle.pop()
                if sandbox.alive():
                    return sandbox
                sandbox.close()
        task_dir = self._unpack(function.code_sha_256, function.code_bytes)
        stream = f"{datetime.now(UTC):%Y/%m/%d}/[{function.version}]{uuid.uuid4().hex}"
        return _Sandbox(key, stream, task_dir, self._environment(function, task_dir, stream))

    def _return_sandbox(self, sandbox: _Sandbox) -> None:
        with self._pool_lock:
            idle = self._idle.setdefault(sandbox.key, [])
            if len(idle) < SANDBOXES_KEPT_WARM:
                sandbox.last_used = time.monotonic()
                idle.append(sandbox)
                return
        sandbox.close()

    def invoke(self, function: Any, event: Any) -> Invocation:
        """Run ``function`` (a moto ``LambdaFunction``) on ``event`` in a warm or new sandbox."""
        from .lambda_identity import current

        request_id = str(uuid.uuid4())
        timeout = float(function.timeout or 3)
        sandbox = self._take_sandbox(function)
        started = time.monotonic()
        answer, text = sandbox.invoke(request_id, event, timeout, current())
        elapsed_ms = (time.monotonic() - started) * 1000
        if answer is None:
            sandbox.close()  # timed out or died: Lambda resets the sandbox
            answer = _sandbox_failure(sandbox, timeout, request_id)
            if answer["error"]["errorType"] == "Sandbox.Timedout":
                text += f"{answer['error']['errorMessage']}\n"
        else:
            self._return_sandbox(sandbox)
        log = (
            f"START RequestId: {request_id} Version: {function.version}\n{text}"
            f"END RequestId: {request_id}\n"
            f"REPORT RequestId: {request_id}\tDuration: {elapsed_ms:.2f} ms\t"
            f"Memory Size: {function.memory_size} MB\n"
        )
        self._write_logs(function, sandbox.stream, log)
        if "error" in answer:
            return Invocation(json.dumps(answer["error"]), True, log)
        return Invocation(json.dumps(answer["payload"]), False, log)

    def _write_logs(self, function: Any, stream: str, log: str) -> None:
        with open(self.log_dir / f"{function.function_name}.log", "a", encoding="utf-8") as f:
            f.write(log)
        logs = function.logs_backend
        logs.ensure_log_group(function.logs_group_name)
        group = logs.groups[function.logs_group_name]
        if stream not in group.streams:
            logs.create_log_stream(function.logs_group_name, stream)
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": line} for line in log.splitlines()]
        logs.put_log_events(function.logs_group_name, stream, events)


class _Sandbox:
    """One warm execution environment: a child interpreter running bootstrap.py."""

    def __init__(self, key: str, stream: str, task_dir: Path, env: dict[str, str]) -> None:
        self.key, self.stream, self.last_used = key, stream, time.monotonic()
        self.timed_out = False
        result_read, result_write = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-u", str(BOOTSTRAP), str(result_write)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=task_dir,
            env=env,
            pass_fds=(result_write,),
        )
        os.close(result_write)
        self.results = os.fdopen(result_read, "r", encoding="utf-8")
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read_log, daemon=True).start()

    def _read_log(self) -> None:
        for raw in self.process.stdout:
            self.lines.put(raw.decode("utf-8", errors="replace"))
        self.lines.put(None)

    def alive(self) -> bool:
        return self.process.poll() is None

    def exit_status(self) -> int | None:
        return self.process.poll()

    def invoke(
        self, request_id: str, event: Any, timeout: float, identity: dict | None = None
    ) -> tuple[dict | None, str]:
        """The answer (None when the sandbox timed out or died) and the invocation's log;
        ``identity`` is the caller's Cognito identity (``context.identity``), if any."""
        request = json.dumps({"requestId": request_id, "event": event, "identity": identity})
        request += "\n"
        try:
            self.process.stdin.write(request.encode())
            self.process.stdin.flush()
        except BrokenPipeError:
            return None, self._drain(request_id, 0)
        ready, _, _ = select.select([self.results], [], [], timeout)
        self.timed_out = not ready
        line = self.results.readline() if ready else ""
        if not line:
            self.close()
            return None, self._drain(request_id, 5)
        return json.loads(line), self._drain(request_id, 5)

    def _drain(self, request_id: str, wait_s: float) -> str:
        """This invocation's log lines: up to its end marker, or all there is once it died."""
        out, marker = [], f"{END_MARKER}{request_id}"
        while True:
            try:
                line = self.lines.get(timeout=wait_s)
            except queue.Empty:
                break
            if line is None:
                self.lines.put(None)
                break
            if line.rstrip("\n") == marker:
                break
            out.append(line)
        return "".join(out)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.results.close()


def _sandbox_failure(sandbox: _Sandbox, timeout: float, request_id: str) -> dict[str, Any]:
    returncode = sandbox.exit_status()
    if sandbox.timed_out:
        message = f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
        return {"error": {"errorType": "Sandbox.Timedout", "errorMessage": message}}
    message = f"RequestId: {request_id} Error: Runtime exited with error: exit status {returncode}"
    return {"error": {"errorType": "Runtime.ExitError", "errorMessage": message}}


def _lambda_backend(function: Any) -> Any:
    from moto.awslambda.models import lambda_backends

    return lambda_backends[function.account_id][function.region]
