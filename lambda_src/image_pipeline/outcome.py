"""The end of an execution: store_metadata (SUCCEEDED) and record_failure (FAILED)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from image_pipeline import records
from image_pipeline.models import (
    FailureResult,
    S3Location,
    StoredMetadata,
    StoreResult,
    Tag,
    TerminalEvent,
    TerminalResult,
)
from image_pipeline.observability import logger
from image_pipeline.transform import check_stored

MAX_CAUSE = 300
UNKNOWN_ERROR = "UnknownError"


def store_metadata(
    table: str,
    *,
    image_id: str,
    execution_arn: str,
    metadata: StoredMetadata,
    tags: Sequence[Tag],
    thumbnail: S3Location | None,
) -> StoreResult:
    """One conditional write: the metadata as TransformMetadata produced it, the tags, the
    thumbnail, SUCCEEDED. The metadata is stored as it is, never transformed again; it is
    checked to be the stored form (InvalidInput otherwise), whoever the caller.

    An execution that no longer owns the item (a newer upload) changes nothing.
    """
    stored = check_stored(metadata)
    if not records.store_success(table, image_id, execution_arn, stored, tags, thumbnail):
        logger.info("A newer upload owns the item; result not stored", extra={"imageID": image_id})
    return {"imageID": image_id, "processingStatus": records.SUCCEEDED}


def short_cause(cause: str | Mapping[str, Any] | None, limit: int = MAX_CAUSE) -> str:
    """Human text: a Lambda error JSON string gives its errorMessage; at most ``limit`` chars."""
    parsed: Any = cause if isinstance(cause, Mapping) else None
    text = "" if cause is None or parsed is not None else str(cause)
    if parsed is None and text.lstrip().startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
    if isinstance(parsed, Mapping):
        message = parsed.get("errorMessage") or parsed.get("Cause") or parsed.get("message")
        text = str(message) if message else json.dumps(parsed, default=str)[:limit]
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or "No cause given"


def record_failure(
    table: str,
    *,
    image_id: str,
    execution_arn: str,
    error: str | None,
    cause: str | Mapping[str, Any] | None,
) -> FailureResult:
    """FAILED with the error name (``UnknownError`` when there is none) and a short cause.

    An execution that no longer owns the item (a newer upload) changes nothing.
    """
    error = error or UNKNOWN_ERROR
    text = short_cause(cause)
    if not records.store_failure(table, image_id, execution_arn, error, text):
        logger.info("A newer upload owns the item; failure not stored", extra={"imageID": image_id})
    else:
        logger.info("Failure recorded", extra={"error": error})
    return {
        "imageID": image_id,
        "processingStatus": records.FAILED,
        "error": error,
        "cause": text,
    }


TERMINAL_ERRORS = {
    "ABORTED": ("ExecutionAborted", "The execution was stopped before it finished."),
    "TIMED_OUT": ("ExecutionTimedOut", "The execution ran longer than its time limit."),
    "FAILED": ("ExecutionFailed", "The execution failed."),
}


def record_terminal(table: str, state_machine_arn: str, event: TerminalEvent) -> TerminalResult:
    """The backstop: an execution of ``state_machine_arn`` that ended FAILED, TIMED_OUT or
    ABORTED leaves its item FAILED (the execution's error and cause; ExecutionAborted or
    ExecutionTimedOut with a human cause), only while the item names that execution and is not
    terminal. Anything else (another state machine, another status, an item that moved on or
    was already recorded) changes nothing."""
    result: TerminalResult = {
        "imageID": event.image_id,
        "executionArn": event.execution_arn,
        "status": event.status,
        "recorded": False,
    }
    named = TERMINAL_ERRORS.get(event.status)
    if event.state_machine_arn != state_machine_arn or named is None:
        logger.info("Not an execution of this pipeline that ended badly; ignored")
        return result
    default_error, default_cause = named
    if event.status == "FAILED":
        error = event.error or default_error
        cause = short_cause(event.cause) if event.cause else default_cause
    else:
        error, cause = default_error, default_cause
        if event.status == "TIMED_OUT" and event.cause:
            cause = f"{default_cause} {short_cause(event.cause)}"[:MAX_CAUSE]
    recorded = records.store_terminal(table, event.image_id, event.execution_arn, error, cause)
    logger.info(
        "Terminal state recorded" if recorded else "Already terminal or superseded; nothing to do",
        extra={"imageID": event.image_id, "error": error},
    )
    result.update({"recorded": recorded, "error": error, "cause": cause})
    return result
