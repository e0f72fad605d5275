"""start_execution: S3 ObjectCreated records -> ImageMetadata item + one execution per object;
ObjectRemoved records -> the photo's item and renditions removed (``lifecycle``).

The owner is the key's first folder under the incoming prefix (``ownership``); an upload whose
metadata claims another owner is recorded FAILED (OwnerMismatch) and starts nothing. The
execution reads the version the event named (``s3VersionId``), so an object replaced while it
runs is never the one checked.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from image_pipeline import executions, lifecycle, ownership, records
from image_pipeline.clients import client, error_code
from image_pipeline.config import StartConfig
from image_pipeline.errors import OwnerMismatch
from image_pipeline.models import (
    DeadLetter,
    ExecutionInput,
    FailedRecord,
    RefusedRecord,
    RemovedRecord,
    S3Notification,
    SkippedRecord,
    StartedRecord,
    StartOutput,
)
from image_pipeline.observability import logger
from image_pipeline.outcome import short_cause
from image_pipeline.sources import object_params


@dataclass
class StartResult:
    started: list[StartedRecord] = field(default_factory=list)
    skipped: list[SkippedRecord] = field(default_factory=list)
    refused: list[RefusedRecord] = field(default_factory=list)
    failed: list[FailedRecord] = field(default_factory=list)
    removed: list[RemovedRecord] = field(default_factory=list)

    def as_dict(self) -> StartOutput:
        return {
            "started": self.started,
            "skipped": self.skipped,
            "refused": self.refused,
            "removed": self.removed,
        }


class StartFailed(RuntimeError):
    """At least one record could not be started; S3/Lambda retries the event (idempotently)."""


def _epoch_ms(event_time: str | None) -> int:
    if event_time:
        try:
            moment = datetime.fromisoformat(event_time.replace("Z", "+00:00"))
            return int(moment.timestamp() * 1000)
        except ValueError:
            pass
    return int(datetime.now().timestamp() * 1000)


def _user_metadata(bucket: str, key: str, version_id: str | None) -> dict[str, str] | None:
    """The user metadata of the object (of ``version_id`` when given), or None when it is gone."""
    try:
        head = client("s3").head_object(**object_params(bucket, key, version_id))
    except Exception as exc:
        if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return {k.lower(): v for k, v in (head.get("Metadata") or {}).items()}


def skip_reason(event_name: str, key: str, prefix: str) -> str | None:
    if not event_name.startswith(("ObjectCreated:", lifecycle.REMOVED_EVENT)):
        return f"not an ObjectCreated or ObjectRemoved event ({event_name or 'none'})"
    if not key.startswith(prefix):
        return f"not under {prefix}"
    if key.endswith("/"):
        return "folder marker"
    return None


def _name(record: S3Notification, attempt: int, run: str | None = None) -> str:
    # The content (ETag) names the execution, not the version id: uploading the same bytes
    # again, or a redelivered event, starts nothing new on a versioned bucket too (unless the
    # last attempt at those bytes failed: then a new upload is the next attempt).
    return executions.execution_name(
        record.bucket, record.key, record.etag or record.version_id, attempt, run
    )


def _same_bytes(current: dict | None, record: S3Notification) -> bool:
    """Whether the item's execution ran on this record's key and bytes (an upload's own
    attempt, or a run started on purpose: reprocess, backfill)."""
    ran = str((current or {}).get("executionName") or "")
    return bool(ran) and executions.content_stem(ran) == executions.content_stem(_name(record, 1))


def _attempt(current: dict | None, record: S3Notification, upload_time: int) -> int:
    """Which attempt at these bytes this event is: the item's own when it names an attempt at
    the same bytes (a redelivery, or the same bytes again after a success: nothing starts), the
    next one when that attempt FAILED and this is a newer upload; 1 for anything else."""
    if not current or not _same_bytes(current, record):
        return 1
    attempt = int(current.get("attempt") or 1)
    status = current.get("processingStatus")
    if status == records.FAILED and upload_time > int(current.get("uploadTime") or 0):
        return attempt + 1
    return attempt


def handle_one(config: StartConfig, record: S3Notification, result: StartResult) -> None:
    """One S3 record: skipped, started, removed, or (an exception) failed."""
    reason = skip_reason(record.event_name, record.key, config.incoming_prefix)
    if reason:
        result.skipped.append({"s3Key": record.key, "reason": reason})
    elif record.event_name.startswith(lifecycle.REMOVED_EVENT):
        _remove(config, record, result)
    else:
        start_one(config, record, result)


def _remove(config: StartConfig, record: S3Notification, result: StartResult) -> None:
    outcome = lifecycle.remove_one(config, record)
    if outcome.skipped:
        result.skipped.append(outcome.skipped)
    if outcome.removed:
        result.removed.append(outcome.removed)
    if outcome.restored:
        # An older version is current again. Its upload's own execution names exist already:
        # this run is named after the removal (the same for a redelivered removal event).
        removal = record.version_id or record.event_time or ""
        run = hashlib.sha256(removal.encode()).hexdigest()[:12]
        start_one(config, outcome.restored, result, run=run)


def start_one(
    config: StartConfig, record: S3Notification, result: StartResult, run: str | None = None
) -> None:
    """One ObjectCreated record under the incoming prefix: skipped, started, or (an exception)
    failed. ``run`` names a run started on purpose (executions.execution_name)."""
    bucket, key = record.bucket, record.key
    image_id = key[len(config.incoming_prefix) :]
    upload_time = _epoch_ms(record.event_time)
    current = records.get(config.table_name, image_id)
    attempt = _attempt(current, record, upload_time)
    name = _name(record, attempt, run)
    logger.remove_keys(["executionArn"])  # the previous record's, in a batch
    logger.append_keys(imageID=image_id, executionName=name)
    if (
        current
        and _same_bytes(current, record)
        and attempt == int(current.get("attempt") or 1)
        and current.get("executionName") != name
    ):
        # A run started on purpose (reprocess, backfill) owns these bytes' item already.
        logger.info("Already processed (reprocessed since)", extra={"s3Key": key})
        result.skipped.append(_skipped(key, "already processed", current))
        return

    user_meta = _user_metadata(bucket, key, record.version_id)
    if user_meta is None or (record.version_id and not lifecycle.current_version(bucket, key)):
        # Deleted since (a delete marker hides the version): its removal event cleans up.
        result.skipped.append({"s3Key": key, "reason": "object no longer exists"})
        return
    owned = ownership.decide(image_id, user_meta, config.incoming_prefix)
    item = records.PendingItem(
        image_id=image_id,
        s3_key=key,
        upload_time=upload_time,
        execution_name=name,
        user_id=owned.owner,
        album_id=owned.album_id,
        attempt=attempt,
    )
    if isinstance(owned, ownership.Refusal):
        _refuse(config, item, owned.cause, result)
        return
    # One delivery at a time may start the execution: the one that wrote the item, or a later
    # one once that one's lease (its invocation's remaining time) is over or given back.
    now = int(time.time() * 1000)
    lease_until = now + config.start_lease_ms
    leased = dataclasses.replace(item, start_lease_until=lease_until)
    if not records.put_pending(config.table_name, leased):
        current = records.get(config.table_name, image_id) or {}
        if current.get("executionName") != name:
            logger.info("A newer upload owns the item; not starting", extra={"s3Key": key})
            result.skipped.append({"s3Key": key, "reason": "superseded by a newer upload"})
            return
        if current.get("processingStatus") != records.PENDING:
            # Redelivered after the execution started: nothing new to start, nothing to fail.
            logger.info("Execution already started (redelivered event)", extra={"s3Key": key})
            result.skipped.append(_skipped(key, "already started", current))
            return
        if not records.claim_start(config.table_name, image_id, name, now, lease_until):
            # Another delivery is starting it; should that one fail, Lambda retries it.
            logger.info("Another delivery is starting the execution", extra={"s3Key": key})
            result.skipped.append({"s3Key": key, "reason": "being started by another delivery"})
            return
    payload: ExecutionInput = {
        "s3Bucket": bucket,
        "s3Key": key,
        "s3VersionId": record.version_id,
        "imageID": image_id,
        "userID": owned.owner,
        "albumID": owned.album_id,
        "uploadTime": item.upload_time,
    }
    try:
        arn = executions.start(config.state_machine_arn, name, payload)
    except Exception:
        records.release_start(config.table_name, image_id, name, lease_until)
        raise
    if arn is None:
        # Started by an earlier delivery that stopped before marking RUNNING: finish its job.
        # (Only STANDARD refuses a name twice, so its ARN follows from the name.)
        arn = executions.execution_arn(config.state_machine_arn, name)
        records.mark_running(config.table_name, image_id, name, arn)
        logger.info("Execution already started (redelivered event)", extra={"s3Key": key})
        result.skipped.append({"s3Key": key, "reason": "already started", "executionArn": arn})
        return
    logger.append_keys(executionArn=arn)
    records.mark_running(config.table_name, image_id, name, arn)
    logger.info("Started execution", extra={"s3Key": key})
    result.started.append({"s3Key": key, "imageID": image_id, "executionArn": arn})


def _skipped(key: str, reason: str, item: dict) -> SkippedRecord:
    """A skipped record naming the execution that owns the item, once it has started."""
    skipped: SkippedRecord = {"s3Key": key, "reason": reason}
    if item.get("executionArn"):
        skipped["executionArn"] = str(item["executionArn"])
    return skipped


def _refuse(
    config: StartConfig, item: records.PendingItem, cause: str, result: StartResult
) -> None:
    """Record the upload FAILED with OwnerMismatch, its owner taken from the key (so its real
    owner sees it); no execution starts. A redelivered event changes nothing."""
    error = OwnerMismatch.__name__
    logger.warning("Upload refused", extra={"s3Key": item.s3_key, "error": error, "cause": cause})
    if not records.put_refused(config.table_name, item, error, cause):
        current = records.get(config.table_name, item.image_id) or {}
        reason = (
            "already recorded"
            if current.get("executionName") == item.execution_name
            else "superseded by a newer upload"
        )
        result.skipped.append({"s3Key": item.s3_key, "reason": reason})
        return
    result.refused.append(
        {"s3Key": item.s3_key, "imageID": item.image_id, "error": error, "cause": cause}
    )


def start_executions(config: StartConfig, notifications: Iterable[S3Notification]) -> StartResult:
    """Every record; a failing record does not stop the others, but fails the event (StartFailed)
    once all were tried, so S3 delivers it again (every step is idempotent)."""
    result = StartResult()
    for record in notifications:
        try:
            handle_one(config, record, result)
        except Exception as exc:
            logger.exception("Could not start the pipeline for a record")
            result.failed.append({"s3Key": record.key, "error": type(exc).__name__})
    if result.failed:
        raise StartFailed(f"{len(result.failed)} record(s) failed: {result.failed}")
    return result


START_FAILED = "StartFailed"


def record_start_failure(config: StartConfig, record: S3Notification, cause: str) -> bool:
    """The upload's item FAILED with StartFailed and ``cause``: written when absent, updated
    while still PENDING for this attempt's execution; nothing when the execution started
    meanwhile, the item is terminal, or a newer upload owns it (False)."""
    if skip_reason(record.event_name, record.key, config.incoming_prefix):
        return False
    image_id = record.key[len(config.incoming_prefix) :]
    upload_time = _epoch_ms(record.event_time)
    attempt = _attempt(records.get(config.table_name, image_id), record, upload_time)
    owned = ownership.decide(image_id, {}, config.incoming_prefix)
    item = records.PendingItem(
        image_id=image_id,
        s3_key=record.key,
        upload_time=upload_time,
        execution_name=_name(record, attempt),
        user_id=owned.owner,
        album_id=owned.album_id,
        attempt=attempt,
    )
    recorded = records.fail_pending(config.table_name, item, START_FAILED, cause)
    logger.warning(
        "Start failed" if recorded else "Start failed; the item moved on, nothing recorded",
        extra={"s3Key": record.key, "error": START_FAILED, "cause": cause},
    )
    return recorded


def redrive(config: StartConfig, letters: Iterable[DeadLetter]) -> list[str]:
    """The dead-letter queue's messages (S3 events whose start failed every time Lambda tried):
    every record is started (or removed) again, idempotently, and a record that still cannot
    start ends FAILED with StartFailed and the reason. Returns the ids of the messages to try
    again (a removal that failed again, a record whose outcome could not be written either)."""
    retry: list[str] = []
    for letter in letters:
        if letter.notifications is None:
            logger.error("Dead letter without an S3 event; dropped", extra={"cause": letter.reason})
            continue
        for record in letter.notifications:
            try:
                outcome = StartResult()
                handle_one(config, record, outcome)
                logger.info("Redriven", extra={"s3Key": record.key, **outcome.as_dict()})
            except Exception as exc:
                logger.exception("Redrive failed", extra={"s3Key": record.key})
                if record.event_name.startswith(lifecycle.REMOVED_EVENT):
                    # A removal has no outcome to record but done: the queue keeps it until
                    # it succeeds (or its retention ends).
                    retry.append(letter.message_id)
                    break
                cause = short_cause(
                    f"The pipeline could not be started: {letter.reason}; "
                    f"again on redrive: {type(exc).__name__}: {exc}"
                )
                try:
                    record_start_failure(config, record, cause)
                except Exception:
                    logger.exception("Could not record StartFailed", extra={"s3Key": record.key})
                    retry.append(letter.message_id)
                    break
    return retry
