"""AWS clients: created on first use, once per container, never at import time."""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def client(service: str) -> Any:
    import boto3  # deferred: keeps handler import (cold start) small
    from botocore.config import Config

    # "standard" retries back off on throttling; what still fails propagates to Step Functions.
    return boto3.client(service, config=Config(retries={"mode": "standard", "max_attempts": 4}))


def reset() -> None:
    """Forget cached clients (tests start a new mock per test)."""
    client.cache_clear()


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
