"""The end of an execution: store_metadata (SUCCEEDED) and record_failure (FAILED)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from image_pipeline import duplicates, executions, records
from image_pipeline.models import (
    FailureResult,
    LoggedEnding,
    ModerationLabel,
    S3Location,
    StoredMetadata,
    StoredRenditions,
    StoreResult,
    Tag,
    TerminalEvent,
    TerminalResult,
)
from image_pipeline.observability import logger
from image_pipeline.transform import check_renditions, check_stored

MAX_CAUSE = 300
UNKNOWN_ERROR = "UnknownError"
# The executionName index is eventually consistent: seconds to wait before asking it again
# for an ended execution's item, which it may not show yet.
INDEX_LAG_WAITS = (0.5, 1.0, 2.0)


def store_metadata(
    table: str,
    *,
    image_id: str,
    execution_name: str,
    metadata: StoredMetadata,
    tags: Sequence[Tag],
    thumbnail: S3Location | None,
    execution_arn: str | None = None,
    renditions: StoredRenditions | None = None,
    moderation_labels: Sequence[ModerationLabel] = (),
    hash_index: str | None = None,
    duplicate_max_distance: int = duplicates.DEFAULT_MAX_DISTANCE,
) -> StoreResult:
    """One conditional write of the results: the metadata as TransformMetadata produced it,
    the tags, the thumbnail, the renditions with the hashes and placeholder, a flagged photo's
    moderation labels, ``duplicateOf``, SUCCEEDED. The metadata and renditions are stored as
    they are, never transformed again; each is checked to be the stored form (InvalidInput
    otherwise), whoever the caller.

    With ``hash_index``, the hashes are written first, then the owner's other photos are
    compared: this photo is ``duplicateOf`` the earliest copy before it, and later copies
    not marked yet, or marked as copies of a photo later than this one, are marked as copies
    of this photo's original (of copies processed at once, the last to compare finds them all).

    An execution that no longer owns the item (a newer upload) changes nothing.
    """
    stored = check_stored(metadata)
    results = check_renditions(renditions or {})
    duplicate_of = None
    content_hash = results.get("contentHash")
    if hash_index and content_hash:
        item = records.record_hashes(
            table, image_id, execution_name, content_hash, results.get("perceptualHash")
        )
        if item is None:
            return _not_owned(image_id)
        duplicate_of = _compare_with_owners_photos(table, hash_index, item, duplicate_max_distance)
    if not records.store_success(
        table,
        image_id,
        execution_name,
        stored,
        tags,
        thumbnail,
        execution_arn,
        results,
        moderation_labels,
        duplicate_of,
    ):
        return _not_owned(image_id)
    return {"imageID": image_id, "processingStatus": records.SUCCEEDED}


def _compare_with_owners_photos(
    table: str, hash_index: str, item: Mapping[str, Any], max_distance: int
) -> str | None:
    """The original ``item`` is a copy of (None: none), after marking the later copies of it
    that are not marked yet, or marked as copies of a later photo. An item without an owner
    is compared with nothing."""
    photo = duplicates.Fingerprint.of_item(item)
    user_id = item.get("userID")
    if photo is None or not isinstance(user_id, str) or not user_id:
        return None
    others = [
        found
        for other in records.hashed_photos_of(table, hash_index, user_id)
        if (found := duplicates.Fingerprint.of_item(other))
    ]
    original = duplicates.original_of(photo, others, max_distance)
    for copy in duplicates.later_copies(photo, others, max_distance):
        records.mark_duplicate(
            table, copy.image_id, copy.content_hash, original or photo.image_id, copy.duplicate_of
        )
    return original


def _not_owned(image_id: str) -> StoreResult:
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
    execution_name: str,
    error: str | None,
    cause: str | Mapping[str, Any] | None,
    execution_arn: str | None = None,
) -> FailureResult:
    """FAILED with the error name (``UnknownError`` when there is none) and a short cause.

    An execution that no longer owns the item (a newer upload) changes nothing.
    """
    error = error or UNKNOWN_ERROR
    text = short_cause(cause)
    if not records.store_failure(table, image_id, execution_name, error, text, execution_arn):
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
    name = executions.name_of(event.execution_arn)
    recorded = records.store_terminal(
        table, event.image_id, name, error, cause, event.execution_arn
    )
    logger.info(
        "Terminal state recorded" if recorded else "Already terminal or superseded; nothing to do",
        extra={"imageID": event.image_id, "error": error},
    )
    result.update({"recorded": recorded, "error": error, "cause": cause})
    return result


def state_machine_of(execution_arn: str) -> str:
    """The state machine ARN of a STANDARD or EXPRESS execution ARN."""
    parts = execution_arn.split(":")
    return ":".join([*parts[:5], "stateMachine", parts[6]])


def record_logged_endings(
    table: str, execution_index: str, state_machine_arn: str, endings: Sequence[LoggedEnding]
) -> list[TerminalResult]:
    """The backstop for EXPRESS: each execution that ended badly, found in the log, leaves the
    item that names it FAILED (found by the table's executionName index), as record_terminal
    does for an EventBridge event. An execution that owns no item any more changes nothing."""
    results: list[TerminalResult] = []
    for ending in endings:
        name = executions.name_of(ending.execution_arn)
        for image_id in _owners(table, execution_index, name):
            event = TerminalEvent(
                state_machine_arn=state_machine_of(ending.execution_arn),
                execution_arn=ending.execution_arn,
                status=ending.status,
                image_id=image_id,
                error=ending.error,
                cause=ending.cause,
            )
            results.append(record_terminal(table, state_machine_arn, event))
    return results


def _owners(table: str, execution_index: str, execution_name: str) -> list[str]:
    """The items naming ``execution_name``, asked again a few times while the index shows none
    (it lags behind the table); none at the end: the item moved on or is gone."""
    for wait in INDEX_LAG_WAITS:
        owners = records.owned_by(table, execution_index, execution_name)
        if owners:
            return owners
        time.sleep(wait)
    owners = records.owned_by(table, execution_index, execution_name)
    if not owners:
        logger.info("No item names the execution; nothing to record")
    return owners
