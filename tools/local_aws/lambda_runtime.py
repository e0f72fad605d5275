"""Runs a Lambda function's own deployment package in a child Python process.

moto stores functions but runs their code only in Docker. This runner replaces that step:
it unpacks the function zip and its layers once per code hash, then runs the handler in an
isolated interpreter (``-I -S``) whose import path holds only the package, the layers and the
boto3 that the real runtime provides. The function's environment, its timeout and AWS's error
shape are honoured; each invocation's output goes to CloudWatch Logs and to a file per function.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import io
import json
import os
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

    def invoke(self, function: Any, event: Any) -> Invocation:
        """Run ``function`` (a moto ``LambdaFunction``) on ``event``."""
        request_id = str(uuid.uuid4())
        task_dir = self._unpack(function.code_sha_256, function.code_bytes)
        timeout = float(function.timeout or 3)
        stream = f"{datetime.now(UTC):%Y/%m/%d}/[{function.version}]{request_id.replace('-', '')}"
        env = {
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
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(timeout),
            "AWS_LAMBDA_LOG_GROUP_NAME": function.logs_group_name,
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "AWS_REGION": function.region,
            "AWS_DEFAULT_REGION": function.region,
            "AWS_ACCESS_KEY_ID": "local-aws-function",
            "AWS_SECRET_ACCESS_KEY": "local-aws-function",
            "AWS_SESSION_TOKEN": "local-aws-function",
            **{k: str(v) for k, v in (function.environment_vars or {}).items()},
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "_LOCAL_AWS_REQUEST_ID": request_id,
            "_LOCAL_AWS_FUNCTION_ARN": function.function_arn,
            "_LOCAL_AWS_SYS_PATH": os.pathsep.join(self._sys_path(function, task_dir)),
        }
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="invoke-") as scratch:
            result_file = Path(scratch) / "result.json"
            process = subprocess.Popen(
                [sys.executable, "-I", "-S", "-u", str(BOOTSTRAP), str(result_file)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=task_dir,
                env=env,
            )
            try:
                output, _ = process.communicate(json.dumps(event).encode(), timeout=timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                process.kill()
                output, _ = process.communicate()
                timed_out = True
            elapsed_ms = (time.monotonic() - started) * 1000
            result = _read_result(result_file, process.returncode, timed_out, timeout, request_id)
        text = output.decode("utf-8", errors="replace")
        if timed_out:
            text += f"{result['error']['errorMessage']}\n"
        log = (
            f"START RequestId: {request_id} Version: {function.version}\n{text}"
            f"END RequestId: {request_id}\n"
            f"REPORT RequestId: {request_id}\tDuration: {elapsed_ms:.2f} ms\t"
            f"Memory Size: {function.memory_size} MB\n"
        )
        self._write_logs(function, stream, log)
        if "error" in result:
            return Invocation(json.dumps(result["error"]), True, log)
        return Invocation(json.dumps(result["payload"]), False, log)

    def _write_logs(self, function: Any, stream: str, log: str) -> None:
        with open(self.log_dir / f"{function.function_name}.log", "a", encoding="utf-8") as f:
            f.write(log)
        logs = function.logs_backend
        logs.ensure_log_group(function.logs_group_name)
        logs.create_log_stream(function.logs_group_name, stream)
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": line} for line in log.splitlines()]
        logs.put_log_events(function.logs_group_name, stream, events)


def _read_result(
    path: Path, returncode: int | None, timed_out: bool, timeout: float, request_id: str
) -> dict[str, Any]:
    if timed_out:
        message = f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
        return {"error": {"errorType": "Sandbox.Timedout", "errorMessage": message}}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        message = (
            f"RequestId: {request_id} Error: Runtime exited with error: exit status {returncode}"
        )
        return {"error": {"errorType": "Runtime.ExitError", "errorMessage": message}}


def _lambda_backend(function: Any) -> Any:
    from moto.awslambda.models import lambda_backends

    return lambda_backends[function.account_id][function.region]
