"""A photo removed: an object deleted under the incoming prefix takes its item and renditions.

S3 sends ``ObjectRemoved:DeleteMarkerCreated`` (a versioned bucket's DeleteObject) or
``ObjectRemoved:Delete`` (a version, or an unversioned object, deleted for good). What counts is
what is left afterwards, read from S3, never the event alone (events arrive late, twice, or out
of order):

- no current version: the photo is gone; its item and renditions go (idempotently);
- a current version whose bytes the item describes: an older version went; nothing changes;
- another current version (the deleted one was current, and an older one is current again):
  the item and renditions of the deleted bytes go, and the current version is processed.

An item owned by a newer upload (its execution changed meanwhile) is never removed: every
delete is conditional on the execution the removal read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from image_pipeline import executions, records
from image_pipeline.clients import client, error_code
from image_pipeline.config import StartConfig
from image_pipeline.models import RemovedRecord, S3Notification, SkippedRecord
from image_pipeline.observability import logger

REMOVED_EVENT = "ObjectRemoved:"
_MISSING = ("404", "NoSuchKey", "NotFound", "NoSuchVersion")


@dataclass(frozen=True)
class CurrentVersion:
    """What HeadObject (no VersionId) says of the key now."""

    etag: str | None
    version_id: str | None
    last_modified: datetime | None


def current_version(bucket: str, key: str) -> CurrentVersion | None:
    """The key's current version, or None when there is none (deleted, or a delete marker)."""
    try:
        head = client("s3").head_object(Bucket=bucket, Key=key)
    except Exception as exc:
        if error_code(exc) in _MISSING:
            return None
        raise
    etag = head.get("ETag")
    return CurrentVersion(
        etag=etag.strip('"') if etag else None,
        version_id=head.get("VersionId"),
        last_modified=head.get("LastModified"),
    )


def _describes(item: dict[str, Any], bucket: str, key: str, current: CurrentVersion) -> bool:
    """Whether the item's execution ran on the current version's bytes (names carry a hash of
    the content: executions.content_stem)."""
    ran_on = item.get("executionName") or ""
    name = executions.execution_name(bucket, key, current.etag or current.version_id)
    return executions.content_stem(ran_on) == executions.content_stem(name)


def rendition_keys(config: StartConfig, image_id: str, item: dict[str, Any] | None) -> list[str]:
    """Every derived object of the photo: the thumbnail's key by convention and whatever
    rendition the item records, only under the thumbnail prefix (never an upload)."""
    keys = {config.thumbnail_prefix + image_id}
    recorded = [(item or {}).get("thumbnail"), *((item or {}).get("renditions") or [])]
    for rendition in recorded:
        key = rendition.get("s3Key") if isinstance(rendition, dict) else None
        if isinstance(key, str) and key.startswith(config.thumbnail_prefix):
            keys.add(key)
    return sorted(keys)


def delete_every_version(bucket: str, key: str) -> int:
    """Delete the object and all its versions (derived data: nothing to keep); the count."""
    s3 = client("s3")
    deleted = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key):
        for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
            if entry["Key"] != key:
                continue  # another key that only starts like this one
            s3.delete_object(Bucket=bucket, Key=key, VersionId=entry["VersionId"])
            deleted += 1
    return deleted


def _stop_if_running(state_machine_arn: str, item: dict[str, Any]) -> None:
    """A removed photo's execution has nothing left to do: stop it (its later writes miss the
    item anyway: each is conditional on the item naming it)."""
    if item.get("processingStatus") not in (records.PENDING, records.RUNNING):
        return
    # PENDING may have started without its ARN recorded yet: a STANDARD ARN follows from the
    # name (under EXPRESS no such execution exists). EXPRESS cannot be stopped at all: its
    # later writes miss the item.
    arn = str(item.get("executionArn") or "")
    if not arn and item.get("executionName"):
        arn = executions.execution_arn(state_machine_arn, str(item["executionName"]))
    if not arn or executions.is_express(arn):
        return
    try:
        client("stepfunctions").stop_execution(
            executionArn=arn,
            error="ObjectRemoved",
            cause="The photo was deleted while it was being processed.",
        )
    except Exception as exc:
        if error_code(exc) not in ("ExecutionDoesNotExist", "ValidationException"):
            raise


def remove_photo(
    config: StartConfig, bucket: str, key: str, image_id: str, item: dict[str, Any] | None
) -> RemovedRecord | None:
    """The item (if still the one read) and every rendition; None when a newer upload owns it."""
    if item is not None:
        _stop_if_running(config.state_machine_arn, item)
        owner = str(item.get("executionName") or "")
        if not records.delete_if_owned(config.table_name, image_id, owner):
            return None
    removed = sum(delete_every_version(bucket, k) for k in rendition_keys(config, image_id, item))
    return {
        "s3Key": key,
        "imageID": image_id,
        "itemRemoved": item is not None,
        "renditions": removed,
    }


@dataclass
class RemovalOutcome:
    removed: RemovedRecord | None = None
    skipped: SkippedRecord | None = None
    # The deleted version was current and an older one is current again: process that one.
    restored: S3Notification | None = None


def remove_one(config: StartConfig, record: S3Notification) -> RemovalOutcome:
    """One ObjectRemoved record under the incoming prefix (the caller checked both)."""
    bucket, key = record.bucket, record.key
    image_id = key[len(config.incoming_prefix) :]
    logger.remove_keys(["executionArn", "executionName"])
    logger.append_keys(imageID=image_id)
    current = current_version(bucket, key)
    item = records.get(config.table_name, image_id)
    if current is not None and (item is None or _describes(item, bucket, key, current)):
        logger.info("A current version remains; nothing removed", extra={"s3Key": key})
        return RemovalOutcome(skipped={"s3Key": key, "reason": "a current version remains"})
    removed = remove_photo(config, bucket, key, image_id, item)
    if removed is None:
        logger.info("A newer upload owns the item; nothing removed", extra={"s3Key": key})
        return RemovalOutcome(skipped={"s3Key": key, "reason": "superseded by a newer upload"})
    logger.info("Photo removed", extra={"s3Key": key, "renditions": removed["renditions"]})
    restored = None
    if current is not None:
        restored = S3Notification(
            event_name="ObjectCreated:Restored",
            bucket=bucket,
            key=key,
            etag=current.etag,
            version_id=current.version_id,
            event_time=current.last_modified.isoformat() if current.last_modified else None,
        )
    return RemovalOutcome(removed=removed, restored=restored)
