"""Logger and a lazy Tracer shared by every handler.

Powertools' ``Tracer()`` imports the X-Ray SDK (hundreds of milliseconds) even when tracing is
disabled, so the tracer is built on the first invocation and only when tracing is on.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "image-pipeline")

# Correlation id: the execution or the image when the event has one, else the S3 request id.
CORRELATION_PATH = (
    'executionArn || imageID || s3Key || Records[0].responseElements."x-amz-request-id"'
)


def tracing_enabled() -> bool:
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "true").strip().lower()
    return disabled in ("0", "false", "no", "off") and bool(os.environ.get("LAMBDA_TASK_ROOT"))


@functools.cache
def tracer() -> Any:
    from aws_lambda_powertools import Tracer

    return Tracer()


def capture_lambda_handler(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``tracer.capture_lambda_handler`` decided at the first call, not at import."""
    traced: list[Callable[..., Any]] = []

    @functools.wraps(fn)
    def wrapper(event: Any, context: Any) -> Any:
        if not traced:
            traced.append(tracer().capture_lambda_handler(fn) if tracing_enabled() else fn)
        return traced[0](event, context)

    return wrapper


def handler(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorators every handler wears, in the cookbook order."""
    return logger.inject_lambda_context(correlation_id_path=CORRELATION_PATH, clear_state=True)(
        capture_lambda_handler(fn)
    )
