"""The end of an execution: store_metadata (SUCCEEDED) and record_failure (FAILED)."""

from __future__ import annotations

import json
from typing import Any

from image_pipeline import records
from image_pipeline.observability import logger
from image_pipeline.transform import transform_metadata

MAX_CAUSE = 300


def _tag(tag: dict[str, Any] | str) -> dict[str, Any]:
    """``{name, confidence}``; a label without a numeric confidence is stored by name only."""
    if isinstance(tag, str):
        return {"name": tag}
    result: dict[str, Any] = {"name": str(tag.get("name"))}
    confidence = tag.get("confidence")
    if isinstance(confidence, int | float) and not isinstance(confidence, bool):
        result["confidence"] = confidence
    return result


def store_metadata(event: dict[str, Any], table: str) -> dict[str, Any]:
    image_id, arn = event["imageID"], event["executionArn"]
    metadata = transform_metadata(event.get("metadata"))  # idempotent on the stored form
    tags = [_tag(tag) for tag in (event.get("tags") or []) if isinstance(tag, dict | str) and tag]
    thumbnail = event.get("thumbnail") if isinstance(event.get("thumbnail"), dict) else None
    if not records.store_success(table, image_id, arn, metadata, tags, thumbnail):
        logger.info("A newer upload owns the item; result not stored", extra={"imageID": image_id})
    return {"imageID": image_id, "processingStatus": records.SUCCEEDED}


def short_cause(cause: Any, limit: int = MAX_CAUSE) -> str:
    """Human text: a Lambda error JSON string gives its errorMessage; at most ``limit`` chars."""
    text = "" if cause is None else str(cause) if not isinstance(cause, dict) else ""
    parsed: Any = cause if isinstance(cause, dict) else None
    if parsed is None and text.lstrip().startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
    if isinstance(parsed, dict):
        message = parsed.get("errorMessage") or parsed.get("Cause") or parsed.get("message")
        text = str(message) if message else json.dumps(parsed)[:limit]
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or "No cause given"


def record_failure(event: dict[str, Any], table: str) -> dict[str, Any]:
    image_id, arn = event["imageID"], event["executionArn"]
    error = event.get("error")
    cause = event.get("cause")
    if isinstance(error, dict):  # the whole Catch result was passed
        error, cause = error.get("Error"), error.get("Cause", cause)
    error = str(error) if error else "UnknownError"
    cause = short_cause(cause)
    if not records.store_failure(table, image_id, arn, error, cause):
        logger.info("A newer upload owns the item; failure not stored", extra={"imageID": image_id})
    else:
        logger.info("Failure recorded", extra={"error": error})
    return {"imageID": image_id, "processingStatus": records.FAILED, "error": error, "cause": cause}
