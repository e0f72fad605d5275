"""Child-side Lambda runtime: imports the handler and runs it once.

Started by ``lambda_runtime`` as ``python -I -S bootstrap.py RESULT_FILE`` with the event on
stdin, so it sees the standard library, the function's package, its layers and the boto3 the
real runtime has: nothing from the host's site-packages. Standard library only.

The result file receives ``{"payload": ...}`` or ``{"error": {errorType, errorMessage,
stackTrace}}``, the shape AWS returns, so Step Functions' Retry and Catch see the real name.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
import uuid


class LambdaContext:
    """The attributes of the real runtime's context object that handlers use."""

    def __init__(self, deadline: float) -> None:
        env = os.environ
        self.function_name = env["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = env.get("_LOCAL_AWS_FUNCTION_ARN", "")
        self.memory_limit_in_mb = int(env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = env.get("_LOCAL_AWS_REQUEST_ID", str(uuid.uuid4()))
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _error(error_type: str, message: str, tb: list[str] | None = None) -> dict:
    return {"errorType": error_type, "errorMessage": message, "stackTrace": tb or []}


def _load_handler(handler: str):
    module_name, _, function_name = handler.rpartition(".")
    if not module_name:
        raise _BootstrapError(
            "Runtime.MalformedHandlerName", f"Bad handler '{handler}': not enough values to unpack"
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except Exception as exc:
        raise _BootstrapError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    function = getattr(module, function_name, None)
    if function is None:
        raise _BootstrapError(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )
    return function


class _BootstrapError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def main() -> int:
    result_path = sys.argv[1]
    # The parent passes the path list explicitly: -I ignores PYTHONPATH, as isolation demands.
    extra_paths = os.environ.pop("_LOCAL_AWS_SYS_PATH", "").split(os.pathsep)
    sys.path[:0] = [p for p in extra_paths if p]
    timeout = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "3"))
    deadline = time.monotonic() + timeout
    event = json.loads(sys.stdin.read() or "{}")

    try:
        handler = _load_handler(os.environ["_HANDLER"])
        payload = handler(event, LambdaContext(deadline))
        try:
            body = json.dumps({"payload": payload})
        except (TypeError, ValueError) as exc:
            raise _BootstrapError(
                "Runtime.MarshalError", f"Unable to marshal response: {exc}"
            ) from exc
    except _BootstrapError as exc:
        print(f"[ERROR] {exc.error_type}: {exc}", flush=True)
        body = json.dumps({"error": _error(exc.error_type, str(exc))})
    except Exception as exc:
        stack = traceback.format_list(traceback.extract_tb(exc.__traceback__)[1:])
        print(f"[ERROR] {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        traceback.print_exc()
        body = json.dumps({"error": _error(type(exc).__name__, str(exc), stack)})
    sys.stdout.flush()
    sys.stderr.flush()
    with open(result_path, "w", encoding="utf-8") as result:
        result.write(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
