"""Child-side Lambda runtime: one execution environment that runs invocations one at a time.

Started by ``lambda_runtime`` as ``python -I -S -u bootstrap.py RESULT_FD``, so it sees the
standard library, the function's package, its layers and the boto3 the real runtime has:
nothing from the host's site-packages. Standard library only.

As in Lambda, the handler's module is imported once (the init phase) and the process then
serves invocations while it stays warm: each request is one JSON line on stdin; each answer is
one JSON line on RESULT_FD, ``{"payload": ...}`` or ``{"error": {errorType, errorMessage,
stackTrace}}`` (AWS's shape, so Step Functions' Retry and Catch see the real name). stdout and
stderr are the function's log; a marker line closes each invocation's part of it.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback

END_MARKER = "\x00local-aws-end "


class CognitoIdentity:
    """``context.identity``: the caller's Cognito identity (a Cognito-credential Invoke)."""

    def __init__(self, identity: dict) -> None:
        self.cognito_identity_id = identity.get("cognitoIdentityId")
        self.cognito_identity_pool_id = identity.get("cognitoIdentityPoolId")


class LambdaContext:
    """The attributes of the real runtime's context object that handlers use."""

    def __init__(self, request_id: str, deadline: float, identity: dict | None = None) -> None:
        env = os.environ
        self.function_name = env["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = env.get("_LOCAL_AWS_FUNCTION_ARN", "")
        self.memory_limit_in_mb = int(env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = request_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        # As the Python runtime: an identity object, its attributes None unless Cognito's.
        self.identity = CognitoIdentity(identity or {})
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class _RuntimeError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def _error(error_type: str, message: str, stack: list[str] | None = None) -> dict:
    return {"error": {"errorType": error_type, "errorMessage": message, "stackTrace": stack or []}}


def _load_handler(handler: str):
    module_name, _, function_name = handler.rpartition(".")
    if not module_name:
        raise _RuntimeError("Runtime.MalformedHandlerName", f"Bad handler '{handler}'")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except Exception as exc:
        raise _RuntimeError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    function = getattr(module, function_name, None)
    if function is None:
        raise _RuntimeError(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )
    return function


def _invoke(handler, event, context) -> dict:
    try:
        payload = handler(event, context)
    except Exception as exc:
        stack = traceback.format_list(traceback.extract_tb(exc.__traceback__)[1:])
        print(f"[ERROR] {type(exc).__name__}: {exc}", file=sys.stderr)
        traceback.print_exc()
        return _error(type(exc).__name__, str(exc), stack)
    try:
        json.dumps(payload)
    except (TypeError, ValueError) as exc:
        return _error("Runtime.MarshalError", f"Unable to marshal response: {exc}")
    return {"payload": payload}


def main() -> int:
    results = os.fdopen(int(sys.argv[1]), "w", encoding="utf-8")
    # The parent passes the path list explicitly: -I ignores PYTHONPATH, as isolation demands.
    extra_paths = os.environ.pop("_LOCAL_AWS_SYS_PATH", "").split(os.pathsep)
    sys.path[:0] = [p for p in extra_paths if p]
    timeout = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "3"))
    try:
        handler = _load_handler(os.environ["_HANDLER"])
        init_error = None
    except _RuntimeError as exc:
        print(f"[ERROR] {exc.error_type}: {exc}")
        handler, init_error = None, _error(exc.error_type, str(exc))

    for line in sys.stdin:
        request = json.loads(line)
        deadline = time.monotonic() + timeout
        if init_error:
            answer = init_error
        else:
            answer = _invoke(
                handler,
                request["event"],
                LambdaContext(request["requestId"], deadline, request.get("identity")),
            )
        print(f"{END_MARKER}{request['requestId']}", flush=True)
        sys.stderr.flush()
        results.write(json.dumps(answer) + "\n")
        results.flush()
        if init_error:
            return 1  # a failed init is not kept warm: the next invocation starts afresh
    return 0


if __name__ == "__main__":
    sys.exit(main())
