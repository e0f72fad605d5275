"""The ImageMetadata table: every write the pipeline makes, each one conditional.

An item is owned by one execution, named by ``executionName`` (known before the execution
starts, the same for STANDARD and EXPRESS); ``executionArn`` is recorded once StartExecution
answers (an EXPRESS ARN is known only then) and by the execution's own last write.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from image_pipeline.clients import client, error_code
from image_pipeline.models import (
    STORED_METADATA_KEYS,
    STORED_RENDITION_KEYS,
    ModerationLabel,
    S3Location,
    StoredMetadata,
    StoredRenditions,
    Tag,
)

PENDING: Final = "PENDING"
RUNNING: Final = "RUNNING"
SUCCEEDED: Final = "SUCCEEDED"
FAILED: Final = "FAILED"
# While an item is PENDING: until when (epoch ms) one delivery of its event alone may start
# its execution, so that redeliveries never start a second run of one attempt (EXPRESS does
# not refuse a name twice). Removed once RUNNING.
START_LEASE: Final = "startLeaseUntil"
# The stored metadata attributes store_metadata may set (never keys or ownership attributes).
METADATA_KEYS = STORED_METADATA_KEYS
# The other results of an execution: set by store_metadata, removed when it found none.
# (``duplicateOf`` is not among them: record_hashes removes it, so that an earlier copy
# compared in between may set it.)
RESULT_KEYS = ("thumbnail", *STORED_RENDITION_KEYS, "moderationLabels")


@dataclass(frozen=True)
class PendingItem:
    """The item start_execution writes before it starts the execution."""

    image_id: str
    s3_key: str
    upload_time: int  # epoch ms
    execution_name: str
    user_id: str | None = None
    album_id: str | None = None
    attempt: int = 1  # the same bytes uploaded again after a failure: the next attempt
    # Until when (epoch ms) the writer alone may start the execution (claim_start).
    start_lease_until: int | None = None

    def attributes(self) -> dict[str, Any]:
        """The item's attributes; an unknown user or album is an absent attribute."""
        item: dict[str, Any] = {
            "imageID": self.image_id,
            "s3key": self.s3_key,
            "userID": self.user_id,
            "albumID": self.album_id,
            "uploadTime": self.upload_time,
            "executionName": self.execution_name,
            "processingStatus": PENDING,
            "attempt": self.attempt,
            START_LEASE: self.start_lease_until,
        }
        return {key: value for key, value in item.items() if value is not None}


def _serialize(value: Any) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    # floats are not allowed by DynamoDB: go through Decimal
    plain = json.loads(json.dumps(value), parse_float=Decimal)
    return TypeSerializer().serialize(plain)


def _deserialize(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {key: deserializer.deserialize(value) for key, value in item.items()}


def _is_conditional_failure(exc: BaseException) -> bool:
    return error_code(exc) == "ConditionalCheckFailedException"


def _write_if(operation: str, **request: Any) -> bool:
    """One conditional write (``put_item``, ``update_item`` or ``delete_item``): False when its
    condition failed."""
    try:
        getattr(client("dynamodb"), operation)(**request)
    except Exception as exc:
        if _is_conditional_failure(exc):
            return False
        raise
    return True


def put_pending(table: str, pending: PendingItem) -> bool:
    """Write a fresh PENDING item unless this execution (or a newer upload) already owns it.

    Returns False when the condition failed (the caller finds out why with ``get``).
    """
    return _put_fresh(table, pending, pending.attributes())


def put_refused(table: str, pending: PendingItem, error: str, cause: str) -> bool:
    """Write the item FAILED with ``error`` and ``cause`` at once (an upload start_execution
    refuses: no execution starts), on the same condition as ``put_pending``."""
    attributes = {
        **pending.attributes(),
        "processingStatus": FAILED,
        "error": error,
        "cause": cause,
    }
    return _put_fresh(table, pending, attributes)


def _put_fresh(table: str, pending: PendingItem, attributes: dict[str, Any]) -> bool:
    return _write_if(
        "put_item",
        TableName=table,
        Item={key: _serialize(value) for key, value in attributes.items()},
        ConditionExpression=(
            "attribute_not_exists(imageID) OR "
            "(executionName <> :executionName AND "
            "(attribute_not_exists(uploadTime) OR uploadTime <= :uploadTime))"
        ),
        ExpressionAttributeValues={
            ":executionName": _serialize(pending.execution_name),
            ":uploadTime": _serialize(pending.upload_time),
        },
    )


def get(table: str, image_id: str) -> dict[str, Any] | None:
    response = client("dynamodb").get_item(
        TableName=table, Key={"imageID": {"S": image_id}}, ConsistentRead=True
    )
    return _deserialize(response["Item"]) if "Item" in response else None


def _update(
    table: str,
    image_id: str,
    execution_name: str,
    set_values: dict[str, Any],
    remove: tuple[str, ...] = (),
    only_if_status: str | None = None,
    unless_status: tuple[str, ...] = (),
) -> bool:
    return (
        _update_item(
            table, image_id, execution_name, set_values, remove, only_if_status, unless_status
        )
        is not None
    )


def _update_item(
    table: str,
    image_id: str,
    execution_name: str,
    set_values: dict[str, Any],
    remove: tuple[str, ...] = (),
    only_if_status: str | None = None,
    unless_status: tuple[str, ...] = (),
) -> dict[str, Any] | None:
    """The item after the update, or None when ``execution_name`` no longer owns it."""
    names = {"#executionName": "executionName"}
    values = {":executionName": _serialize(execution_name)}
    assignments = []
    for index, (key, value) in enumerate(set_values.items()):
        names[f"#s{index}"] = key
        values[f":s{index}"] = _serialize(value)
        assignments.append(f"#s{index} = :s{index}")
    expression = "SET " + ", ".join(assignments)
    if remove:
        for index, key in enumerate(remove):
            names[f"#r{index}"] = key
        expression += " REMOVE " + ", ".join(f"#r{index}" for index in range(len(remove)))
    condition = "#executionName = :executionName"
    if only_if_status:
        names["#status"] = "processingStatus"
        values[":expected"] = _serialize(only_if_status)
        condition += " AND #status = :expected"
    if unless_status:
        names["#status"] = "processingStatus"
        for index, status in enumerate(unless_status):
            values[f":u{index}"] = _serialize(status)
        listed = ", ".join(f":u{index}" for index in range(len(unless_status)))
        condition += f" AND NOT (#status IN ({listed}))"
    try:
        response = client("dynamodb").update_item(
            TableName=table,
            Key={"imageID": {"S": image_id}},
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
    except Exception as exc:
        if _is_conditional_failure(exc):
            return None
        raise
    return _deserialize(response.get("Attributes", {}))


def _with_arn(values: dict[str, Any], execution_arn: str | None) -> dict[str, Any]:
    return values if not execution_arn else {**values, "executionArn": execution_arn}


def mark_running(
    table: str, image_id: str, execution_name: str, execution_arn: str | None = None
) -> bool:
    """PENDING -> RUNNING (and the execution's ARN, StartExecution's answer); never
    overwrites an execution that already finished."""
    values = _with_arn({"processingStatus": RUNNING}, execution_arn)
    return _update(
        table, image_id, execution_name, values, remove=(START_LEASE,), only_if_status=PENDING
    )


def claim_start(table: str, image_id: str, execution_name: str, now: int, until: int) -> bool:
    """The right to start ``execution_name``'s execution until ``until`` (epoch ms), taken by
    a later delivery of the upload's event while the item is still PENDING for it and no other
    delivery holds a lease that runs past ``now``; False otherwise."""
    return _write_if(
        "update_item",
        TableName=table,
        Key={"imageID": {"S": image_id}},
        UpdateExpression="SET #lease = :until",
        ConditionExpression=(
            "executionName = :name AND processingStatus = :pending AND "
            "(attribute_not_exists(#lease) OR #lease < :now)"
        ),
        ExpressionAttributeNames={"#lease": START_LEASE},
        ExpressionAttributeValues={
            ":name": _serialize(execution_name),
            ":pending": _serialize(PENDING),
            ":now": _serialize(now),
            ":until": _serialize(until),
        },
    )


def release_start(table: str, image_id: str, execution_name: str, until: int) -> None:
    """Give back a lease taken with ``until`` (its start failed: the next delivery may try at
    once); nothing when another delivery holds the lease now or the item moved on."""
    _write_if(
        "update_item",
        TableName=table,
        Key={"imageID": {"S": image_id}},
        UpdateExpression="REMOVE #lease",
        ConditionExpression="executionName = :name AND #lease = :until",
        ExpressionAttributeNames={"#lease": START_LEASE},
        ExpressionAttributeValues={
            ":name": _serialize(execution_name),
            ":until": _serialize(until),
        },
    )


def store_success(
    table: str,
    image_id: str,
    execution_name: str,
    metadata: StoredMetadata,
    tags: Sequence[Tag],
    thumbnail: S3Location | None,
    execution_arn: str | None = None,
    renditions: StoredRenditions | None = None,
    moderation_labels: Sequence[ModerationLabel] = (),
    duplicate_of: str | None = None,
) -> bool:
    """Metadata, tags, thumbnail, renditions (and hashes, placeholder), the moderation labels
    of a flagged photo, ``duplicateOf`` and SUCCEEDED, if
    ``execution_name`` still owns the item: every result attribute in one write, so a
    reprocessed item never mixes two executions' results (a fact this execution did not find,
    kept from an earlier one, is removed)."""
    values: dict[str, Any] = {
        key: value
        for key, value in metadata.items()
        if key in METADATA_KEYS and value not in (None, "")
    }
    values["tags"] = [dict(tag) for tag in tags]
    if thumbnail:
        values["thumbnail"] = {"s3Bucket": thumbnail.bucket, "s3Key": thumbnail.key}
    for key, value in (renditions or {}).items():
        if key in STORED_RENDITION_KEYS and value not in (None, "", []):
            values[key] = value
    if moderation_labels:
        values["moderationLabels"] = [dict(label) for label in moderation_labels]
    if duplicate_of:
        values["duplicateOf"] = duplicate_of
    values["processingStatus"] = SUCCEEDED
    results = (*METADATA_KEYS, *RESULT_KEYS)
    stale = tuple(key for key in results if key not in values)
    values = _with_arn(values, execution_arn)
    remove = ("error", "cause", START_LEASE, *stale)
    return _update(table, image_id, execution_name, values, remove=remove)


def store_failure(
    table: str,
    image_id: str,
    execution_name: str,
    error: str,
    cause: str,
    execution_arn: str | None = None,
) -> bool:
    """FAILED with the error name and cause, if ``execution_name`` still owns the item."""
    values = _with_arn({"processingStatus": FAILED, "error": error, "cause": cause}, execution_arn)
    return _update(table, image_id, execution_name, values, remove=(START_LEASE,))


def store_terminal(
    table: str,
    image_id: str,
    execution_name: str,
    error: str,
    cause: str,
    execution_arn: str | None = None,
) -> bool:
    """FAILED with ``error`` and ``cause`` for an execution that ended without recording its
    outcome (failed outside a Catch, stopped, timed out): only if ``execution_name`` still owns
    the item and the item is not terminal yet (SUCCEEDED or FAILED are never overwritten)."""
    values = _with_arn({"processingStatus": FAILED, "error": error, "cause": cause}, execution_arn)
    return _update(table, image_id, execution_name, values, unless_status=(SUCCEEDED, FAILED))


def fail_pending(table: str, pending: PendingItem, error: str, cause: str) -> bool:
    """FAILED with ``error`` and ``cause`` for an execution that never started: the item is
    updated while it is still PENDING for ``pending.execution_name``, or written when absent.
    False when neither holds (started meanwhile, terminal, or a newer upload owns it)."""
    values = {"processingStatus": FAILED, "error": error, "cause": cause}
    if _update(
        table,
        image_id=pending.image_id,
        execution_name=pending.execution_name,
        set_values=values,
        only_if_status=PENDING,
    ):
        return True
    attributes = {**pending.attributes(), **values}
    return _write_if(
        "put_item",
        TableName=table,
        Item={key: _serialize(value) for key, value in attributes.items()},
        ConditionExpression="attribute_not_exists(imageID)",
    )


def delete_if_owned(table: str, image_id: str, execution_name: str) -> bool:
    """Delete the item while it still names ``execution_name`` (a photo removed); False when a
    newer upload owns it. An item already gone counts as deleted (a redelivered removal)."""
    return _write_if(
        "delete_item",
        TableName=table,
        Key={"imageID": {"S": image_id}},
        ConditionExpression="attribute_not_exists(imageID) OR executionName = :executionName",
        ExpressionAttributeValues={":executionName": _serialize(execution_name)},
    )


def restart(
    table: str,
    item: PendingItem,
    expected_name: str | None,
    error: str | None = None,
    cause: str | None = None,
) -> bool:
    """Point the item at a new execution (reprocess, backfill): PENDING (or FAILED with
    ``error`` and ``cause``, a refusal) for ``item.execution_name``, its other attributes and
    its results kept until that execution stores its own (the old execution's ARN goes). Only
    on the condition that the item is absent (``expected_name`` None) or still names
    ``expected_name`` and is terminal
    (SUCCEEDED or FAILED): a run in progress, or a newer upload meanwhile, is never
    overwritten. False when the condition failed."""
    values = {k: v for k, v in item.attributes().items() if k != "imageID"}
    if error is not None:
        values.update(processingStatus=FAILED, error=error, cause=cause or error)
    names = {f"#s{index}": key for index, key in enumerate(values)}
    attribute_values = {
        f":s{index}": _serialize(value) for index, value in enumerate(values.values())
    }
    expression = "SET " + ", ".join(f"#s{index} = :s{index}" for index in range(len(values)))
    names["#arn"] = "executionArn"
    if error is None:
        names.update({"#r0": "error", "#r1": "cause"})
        expression += " REMOVE #arn, #r0, #r1"
    else:
        expression += " REMOVE #arn"
    if expected_name is None:
        condition = "attribute_not_exists(imageID)"
    else:
        names.update({"#executionName": "executionName", "#status": "processingStatus"})
        attribute_values.update(
            {
                ":expected": _serialize(expected_name),
                ":succeeded": _serialize(SUCCEEDED),
                ":failed": _serialize(FAILED),
            }
        )
        condition = "#executionName = :expected AND #status IN (:succeeded, :failed)"
    return _write_if(
        "update_item",
        TableName=table,
        Key={"imageID": {"S": item.image_id}},
        UpdateExpression=expression,
        ConditionExpression=condition,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=attribute_values,
    )


def fail_if_pending(table: str, image_id: str, execution_name: str, error: str, cause: str) -> bool:
    """FAILED with ``error`` and ``cause`` while the item is still PENDING for
    ``execution_name`` (an execution the backfill could not start); False otherwise."""
    values = {"processingStatus": FAILED, "error": error, "cause": cause}
    return _update(table, image_id, execution_name, values, only_if_status=PENDING)


def owned_by(table: str, execution_index: str, execution_name: str) -> list[str]:
    """The imageIDs of the items that name ``execution_name`` (the keys-only index on
    executionName: eventually consistent, which a backstop that runs after the end can afford)."""
    response = client("dynamodb").query(
        TableName=table,
        IndexName=execution_index,
        KeyConditionExpression="executionName = :name",
        ExpressionAttributeValues={":name": _serialize(execution_name)},
    )
    return [item["imageID"]["S"] for item in response.get("Items", [])]


def record_hashes(
    table: str, image_id: str, execution_name: str, content_hash: str, perceptual_hash: str | None
) -> dict[str, Any] | None:
    """The hashes on the item, before anything compares them: two copies processed at once
    then find each other. An earlier run's ``duplicateOf`` goes. The item as it is now, or
    None when ``execution_name`` no longer owns it."""
    values: dict[str, Any] = {"contentHash": content_hash}
    if perceptual_hash:
        values["perceptualHash"] = perceptual_hash
    remove = ("duplicateOf",) if perceptual_hash else ("duplicateOf", "perceptualHash")
    return _update_item(table, image_id, execution_name, values, remove)


def mark_duplicate(
    table: str, image_id: str, content_hash: str, original_id: str, seen: str | None
) -> bool:
    """``duplicateOf`` on another photo found to be a later copy, if it still has the bytes it
    was compared with and the ``duplicateOf`` it was seen with (``seen``, None: none); False
    otherwise."""
    values = {":original": _serialize(original_id), ":hash": _serialize(content_hash)}
    condition = "contentHash = :hash AND "
    if seen is None:
        condition += "attribute_not_exists(duplicateOf)"
    else:
        condition += "duplicateOf = :seen"
        values[":seen"] = _serialize(seen)
    return _write_if(
        "update_item",
        TableName=table,
        Key={"imageID": {"S": image_id}},
        UpdateExpression="SET duplicateOf = :original",
        ConditionExpression=condition,
        ExpressionAttributeValues=values,
    )


def hashed_photos_of(table: str, hash_index: str, user_id: str) -> Iterator[dict[str, Any]]:
    """Every item of ``user_id`` that has a content hash (the index on userID and
    contentHash, eventually consistent): imageID, uploadTime, processingStatus and hashes."""
    paginator = client("dynamodb").get_paginator("query")
    pages = paginator.paginate(
        TableName=table,
        IndexName=hash_index,
        KeyConditionExpression="userID = :user",
        ExpressionAttributeValues={":user": _serialize(user_id)},
    )
    for page in pages:
        for item in page.get("Items", []):
            yield _deserialize(item)
