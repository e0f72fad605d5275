"""The ImageMetadata table: every write the pipeline makes, each one conditional."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from image_pipeline.clients import client, error_code

PENDING, RUNNING, SUCCEEDED, FAILED = "PENDING", "RUNNING", "SUCCEEDED", "FAILED"
# The stored metadata attributes store_metadata may set (never keys or ownership attributes).
METADATA_KEYS = (
    "imageFormat",
    "dimensions",
    "fileSize",
    "exifMake",
    "exifModel",
    "creationTime",
    "geo",
)


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


def put_pending(table: str, item: dict[str, Any]) -> bool:
    """Write a fresh PENDING item unless this execution (or a newer upload) already owns it.

    Returns False when the condition failed (the caller finds out why with ``get``).
    """
    item = {key: value for key, value in item.items() if value is not None}
    item["processingStatus"] = PENDING
    try:
        client("dynamodb").put_item(
            TableName=table,
            Item={key: _serialize(value) for key, value in item.items()},
            ConditionExpression=(
                "attribute_not_exists(imageID) OR "
                "(executionArn <> :executionArn AND "
                "(attribute_not_exists(uploadTime) OR uploadTime <= :uploadTime))"
            ),
            ExpressionAttributeValues={
                ":executionArn": _serialize(item["executionArn"]),
                ":uploadTime": _serialize(item["uploadTime"]),
            },
        )
    except Exception as exc:
        if _is_conditional_failure(exc):
            return False
        raise
    return True


def get(table: str, image_id: str) -> dict[str, Any] | None:
    response = client("dynamodb").get_item(
        TableName=table, Key={"imageID": {"S": image_id}}, ConsistentRead=True
    )
    return _deserialize(response["Item"]) if "Item" in response else None


def _update(
    table: str,
    image_id: str,
    execution_arn: str,
    set_values: dict[str, Any],
    remove: tuple[str, ...] = (),
    only_if_status: str | None = None,
) -> bool:
    names = {"#executionArn": "executionArn"}
    values = {":executionArn": _serialize(execution_arn)}
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
    condition = "#executionArn = :executionArn"
    if only_if_status:
        names["#status"] = "processingStatus"
        values[":expected"] = _serialize(only_if_status)
        condition += " AND #status = :expected"
    try:
        client("dynamodb").update_item(
            TableName=table,
            Key={"imageID": {"S": image_id}},
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except Exception as exc:
        if _is_conditional_failure(exc):
            return False
        raise
    return True


def mark_running(table: str, image_id: str, execution_arn: str) -> bool:
    """PENDING -> RUNNING; never overwrites an execution that already finished."""
    return _update(
        table, image_id, execution_arn, {"processingStatus": RUNNING}, only_if_status=PENDING
    )


def store_success(
    table: str,
    image_id: str,
    execution_arn: str,
    metadata: dict[str, Any],
    tags: list[dict[str, Any]],
    thumbnail: dict[str, Any] | None,
) -> bool:
    values: dict[str, Any] = {
        key: metadata[key] for key in METADATA_KEYS if metadata.get(key) not in (None, "")
    }
    values["tags"] = tags
    if thumbnail:
        values["thumbnail"] = {"s3Bucket": thumbnail["s3Bucket"], "s3Key": thumbnail["s3Key"]}
    values["processingStatus"] = SUCCEEDED
    return _update(table, image_id, execution_arn, values, remove=("error", "cause"))


def store_failure(table: str, image_id: str, execution_arn: str, error: str, cause: str) -> bool:
    values = {"processingStatus": FAILED, "error": error, "cause": cause}
    return _update(table, image_id, execution_arn, values)
