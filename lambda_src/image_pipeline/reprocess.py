"""Reprocess and backfill: run objects already under the incoming prefix through the state
machine again, each with a fresh execution name (``-r<run>``) and the same conditional writes
as an upload.

A reprocessed photo keeps its identity (imageID, s3key, userID, albumID, uploadTime) and its
results until the new execution's StoreImageMetadata replaces all of them in one write. A run
in progress (PENDING, RUNNING) and a newer upload are never overwritten. An object without an
item (backfill) gets one, its uploadTime the object's LastModified.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal

from image_pipeline import executions, ownership, records
from image_pipeline.clients import client, error_code
from image_pipeline.config import RunConfig
from image_pipeline.errors import OwnerMismatch, ReprocessNotAllowed
from image_pipeline.models import (
    BackfillDecision,
    BackfillFailure,
    ExecutionInput,
    Restarted,
    RestartOutput,
)
from image_pipeline.observability import logger
from image_pipeline.outcome import short_cause

START_FAILED = "StartFailed"

Outcome = Literal["start", "started", "skipped", "refused"]


def run_id(seed: str) -> str:
    """A run tag (16 hex digits) derived from ``seed``: the same seed (a backfill execution, a
    request id) always names the same executions, so a retry never starts a second one."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:16]


def skip_reason(key: str, prefix: str) -> str | None:
    if not key.startswith(prefix):
        return f"not under {prefix}"
    if key.endswith("/"):
        return "folder marker"
    if not key[len(prefix) :]:
        return "no object key"
    return None


@dataclass(frozen=True)
class Prepared:
    """What ``prepare`` decided for one key; ``payload`` and ``name`` are set when the
    execution is to be started (``outcome`` "start")."""

    outcome: Outcome
    s3_key: str
    image_id: str | None = None
    name: str | None = None
    execution_arn: str | None = None
    payload: ExecutionInput | None = None
    reason: str | None = None
    error: str | None = None
    cause: str | None = None

    def result(self, outcome: Outcome | None = None) -> Restarted:
        done: Restarted = {"s3Key": self.s3_key, "outcome": outcome or self.outcome}
        for key, value in (
            ("imageID", self.image_id),
            ("executionArn", self.execution_arn),
            ("reason", self.reason),
            ("error", self.error),
            ("cause", self.cause),
        ):
            if value is not None:
                done[key] = value  # type: ignore[literal-required]
        return done


def _head(bucket: str, key: str) -> dict[str, Any] | None:
    try:
        return client("s3").head_object(Bucket=bucket, Key=key)
    except Exception as exc:
        if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def prepare(config: RunConfig, key: str, run: str, only_missing: bool = False) -> Prepared:
    """Decide for the current version of ``key`` and write the item: PENDING for the run's
    execution ("start"), FAILED OwnerMismatch ("refused"), or nothing ("skipped": not under
    the prefix, gone, an item exists and ``only_missing``, a run in progress, a newer upload
    meanwhile). Idempotent: preparing the same run again gives "start" while its execution
    may not have started yet."""
    reason = skip_reason(key, config.incoming_prefix)
    if reason:
        return Prepared("skipped", key, reason=reason)
    image_id = key[len(config.incoming_prefix) :]
    head = _head(config.bucket_name, key)
    if head is None:
        return Prepared("skipped", key, image_id, reason="object no longer exists")
    etag = str(head.get("ETag") or "").strip('"') or None
    version_id = head.get("VersionId")
    version_id = None if version_id in (None, "null") else str(version_id)
    name = executions.execution_name(config.bucket_name, key, etag or version_id, run=run)
    current = records.get(config.table_name, image_id)
    if current is not None:
        status = current.get("processingStatus")
        if current.get("executionName") == name:
            if status == records.PENDING:
                return _start(config, key, image_id, name, current, version_id)
            arn = current.get("executionArn")
            return Prepared("skipped", key, image_id, execution_arn=arn, reason="already started")
        if only_missing:
            return Prepared("skipped", key, image_id, reason="already has an item")
        if status not in (records.SUCCEEDED, records.FAILED):
            return Prepared("skipped", key, image_id, reason=f"still {status or 'in progress'}")
    modified = head.get("LastModified")
    upload_time = int(
        current["uploadTime"]
        if current is not None and current.get("uploadTime") is not None
        else (modified.timestamp() if modified else time.time()) * 1000
    )
    metadata = {k.lower(): v for k, v in (head.get("Metadata") or {}).items()}
    owned = ownership.decide(image_id, metadata, config.incoming_prefix)
    album_id = (current or {}).get("albumID") or owned.album_id
    item = records.PendingItem(
        image_id=image_id,
        s3_key=key,
        upload_time=upload_time,
        execution_name=name,
        user_id=owned.owner,
        album_id=album_id,
        attempt=int((current or {}).get("attempt") or 1),
    )
    expected = None if current is None else str(current.get("executionName") or "")
    if isinstance(owned, ownership.Refusal):
        error = OwnerMismatch.__name__
        if not records.restart(config.table_name, item, expected, error, owned.cause):
            return Prepared("skipped", key, image_id, reason="the item changed meanwhile")
        return Prepared("refused", key, image_id, name, error=error, cause=owned.cause)
    if not records.restart(config.table_name, item, expected):
        return Prepared("skipped", key, image_id, reason="the item changed meanwhile")
    return _start(config, key, image_id, name, item.attributes(), version_id)


def _start(
    config: RunConfig,
    key: str,
    image_id: str,
    name: str,
    item: dict[str, Any],
    version_id: str | None,
) -> Prepared:
    payload: ExecutionInput = {
        "s3Bucket": config.bucket_name,
        "s3Key": key,
        "s3VersionId": version_id,
        "imageID": image_id,
        "userID": str(item.get("userID") or ""),
        "albumID": item.get("albumID"),
        "uploadTime": int(item["uploadTime"]),
    }
    return Prepared("start", key, image_id, name, payload=payload)


def restart(config: RunConfig, key: str, run: str, only_missing: bool = False) -> Restarted:
    """Prepare ``key`` and start its execution (then RUNNING), as start_execution does."""
    prepared = prepare(config, key, run, only_missing)
    if prepared.outcome != "start":
        return prepared.result()
    assert prepared.name and prepared.payload and prepared.image_id
    logger.append_keys(imageID=prepared.image_id, executionName=prepared.name)
    arn = executions.start(config.state_machine_arn, prepared.name, prepared.payload)
    # None: an earlier try of this run started it (STANDARD refuses a name twice).
    arn = arn or executions.execution_arn(config.state_machine_arn, prepared.name)
    records.mark_running(config.table_name, prepared.image_id, prepared.name, arn)
    logger.info("Reprocessing", extra={"s3Key": key, "executionArn": arn})
    return replace(prepared, execution_arn=arn).result("started")


def restart_all(
    config: RunConfig, keys: Iterable[str], run: str, only_missing: bool = False
) -> RestartOutput:
    """Every key; a key that fails is reported (``failed``) and does not stop the others."""
    output: RestartOutput = {"started": [], "skipped": [], "refused": [], "failed": []}
    for key in keys:
        try:
            done = restart(config, key, run, only_missing)
        except Exception as exc:
            logger.exception("Could not reprocess", extra={"s3Key": key})
            output["failed"].append({"s3Key": key, "error": type(exc).__name__})
            continue
        output[done["outcome"]].append(done)  # type: ignore[literal-required]
    return output


def restart_owned(
    config: RunConfig, identity_id: str | None, image_ids: Iterable[str], run: str
) -> RestartOutput:
    """The web app's retry: only the caller's own photos (the key's owner folder is their
    Cognito identity id); any other imageID is refused with ReprocessNotAllowed."""
    if not identity_id or not ownership.is_identity_id(identity_id):
        raise ReprocessNotAllowed("Only a signed-in user's own photos can be reprocessed")
    output: RestartOutput = {"started": [], "skipped": [], "refused": [], "failed": []}
    allowed = []
    for image_id in image_ids:
        if image_id.split("/", 1)[0] != identity_id or "/" not in image_id:
            output["refused"].append(
                {
                    "s3Key": config.incoming_prefix + image_id,
                    "imageID": image_id,
                    "outcome": "refused",
                    "error": ReprocessNotAllowed.__name__,
                    "cause": "Not one of the caller's photos",
                }
            )
        else:
            allowed.append(config.incoming_prefix + image_id)
    done = restart_all(config, allowed, run)
    for outcome in ("started", "skipped", "refused", "failed"):
        output[outcome].extend(done[outcome])  # type: ignore[literal-required]
    return output


def list_keys(bucket: str, prefix: str) -> Iterator[str]:
    """Every key under ``prefix`` (ListObjectsV2, every page)."""
    for page in (
        client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    ):
        for entry in page.get("Contents", []):
            yield entry["Key"]


def wait(
    table: str, started: dict[str, str], timeout_s: float, poll_s: float = 1.0
) -> dict[str, str]:
    """The outcome of every started execution (imageID -> its execution name): SUCCEEDED or
    FAILED as its item records it, SUPERSEDED when a newer run or upload took the item over,
    or PENDING/RUNNING when ``timeout_s`` passed first."""
    outcome: dict[str, str] = {}
    waiting = dict(started)
    deadline = time.monotonic() + timeout_s
    while waiting:
        for image_id, name in list(waiting.items()):
            item = records.get(table, image_id) or {}
            status = str(item.get("processingStatus") or "")
            if item.get("executionName") != name:
                outcome[image_id] = "SUPERSEDED"
            elif status in (records.SUCCEEDED, records.FAILED):
                outcome[image_id] = status
            else:
                outcome[image_id] = status or records.PENDING
                continue
            del waiting[image_id]
        if not waiting or time.monotonic() >= deadline:
            break
        time.sleep(poll_s)
    return outcome


def backfill_object(
    config: RunConfig, key: str, backfill_execution: str, everything: bool, prefix: str = ""
) -> BackfillDecision:
    """One object of a backfill (``everything``: also those that already have an item; only
    under ``prefix``): its item written PENDING and what to start, named after
    ``backfill_execution`` so a retried map item names the same execution; the backfill state
    machine starts it and waits."""
    if not key.startswith(prefix):
        return {"start": False, "s3Key": key, "reason": f"not under {prefix}"}
    prepared = prepare(config, key, run_id(backfill_execution), only_missing=not everything)
    if prepared.outcome != "start":
        reason = prepared.reason or f"{prepared.error}: {prepared.cause}"
        return {"start": False, "s3Key": key, "reason": reason}
    assert prepared.name and prepared.payload and prepared.image_id
    return {
        "start": True,
        "s3Key": key,
        "imageID": prepared.image_id,
        "name": prepared.name,
        "input": prepared.payload,
    }


def backfill_start_failed(
    config: RunConfig, image_id: str, name: str, error: str, cause: str
) -> BackfillFailure:
    """The backfill could not start the execution it prepared (every retry failed): its item,
    still PENDING for that execution, ends FAILED ``StartFailed`` with the reason; an item that
    moved on (started after all, a newer upload) is left alone."""
    text = short_cause(f"The backfill could not start the execution: {error}: {cause}")
    recorded = records.fail_if_pending(config.table_name, image_id, name, START_FAILED, text)
    logger.warning("Backfill start failed", extra={"imageID": image_id, "recorded": recorded})
    return {"imageID": image_id, "executionName": name, "recorded": recorded, "cause": text}
