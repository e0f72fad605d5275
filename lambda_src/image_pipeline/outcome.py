"""The end of an execution: store_metadata (SUCCEEDED) and record_failure (FAILED)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from image_pipeline import records
from image_pipeline.models import FailureResult, S3Location, StoredMetadata, StoreResult, Tag
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
