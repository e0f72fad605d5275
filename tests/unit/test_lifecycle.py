"""Removal: a deleted photo takes its item and renditions, never a newer upload's (start_execution
with ObjectRemoved records, on an in-process moto versioned bucket)."""

from __future__ import annotations

import pytest
from image_pipeline import executions, records
from image_pipeline.handlers import start_execution

from .conftest import BUCKET, OWNER, TABLE, s3_event, s3_record

KEY = f"Incoming/{OWNER}/Holidays/photo.jpg"
IMAGE_ID = KEY.removeprefix("Incoming/")
THUMBNAIL = f"Thumbnails/{IMAGE_ID}"


@pytest.fixture
def bucket(stack, versioned):
    return stack["s3"]


def put(s3, key: str, body: bytes) -> dict:
    return s3.put_object(Bucket=BUCKET, Key=key, Body=body)


def created(put_answer: dict, key: str = KEY, at: str = "2026-11-25T12:00:00.000Z") -> dict:
    return s3_record(
        key, etag=put_answer["ETag"].strip('"'), version_id=put_answer["VersionId"], event_time=at
    )


def removed(version_id: str, key: str = KEY, name: str = "ObjectRemoved:Delete") -> dict:
    record = s3_record(key, event_name=name, version_id=version_id)
    record["s3"]["object"].pop("eTag", None)  # S3 sends none on removal
    record["s3"]["object"].pop("size", None)
    return record


def item(stack) -> dict | None:
    return stack["table"].get_item(Key={"imageID": IMAGE_ID}, ConsistentRead=True).get("Item")


def versions(s3, key: str) -> list[dict]:
    listed = s3.list_object_versions(Bucket=BUCKET, Prefix=key)
    return [
        v for v in listed.get("Versions", []) + listed.get("DeleteMarkers", []) if v["Key"] == key
    ]


def test_a_delete_marker_removes_the_item_every_thumbnail_version_and_stops_the_run(
    stack, bucket, lambda_context
):
    first = put(bucket, KEY, b"photo")
    [started] = start_execution.handler(s3_event(created(first)), lambda_context)["started"]
    put(bucket, THUMBNAIL, b"thumb 1")
    put(bucket, THUMBNAIL, b"thumb 2")
    marker = bucket.delete_object(Bucket=BUCKET, Key=KEY)["VersionId"]

    event = s3_event(removed(marker, name="ObjectRemoved:DeleteMarkerCreated"))
    result = start_execution.handler(event, lambda_context)

    assert result["removed"] == [
        {"s3Key": KEY, "imageID": IMAGE_ID, "itemRemoved": True, "renditions": 2}
    ]
    assert item(stack) is None
    assert versions(bucket, THUMBNAIL) == []
    status = stack["sfn"].describe_execution(executionArn=started["executionArn"])["status"]
    assert status == "ABORTED"
    # The upload itself stays recoverable: only the marker hides it.
    assert [v["VersionId"] for v in versions(bucket, KEY) if "ETag" in v] == [first["VersionId"]]


def test_a_redelivered_removal_changes_nothing_more(stack, bucket, lambda_context):
    first = put(bucket, KEY, b"photo")
    start_execution.handler(s3_event(created(first)), lambda_context)
    marker = bucket.delete_object(Bucket=BUCKET, Key=KEY)["VersionId"]
    event = s3_event(removed(marker, name="ObjectRemoved:DeleteMarkerCreated"))
    start_execution.handler(event, lambda_context)
    again = start_execution.handler(event, lambda_context)
    assert again["removed"] == [
        {"s3Key": KEY, "imageID": IMAGE_ID, "itemRemoved": False, "renditions": 0}
    ]
    assert item(stack) is None


def test_deleting_an_older_version_leaves_the_current_photo(stack, bucket, lambda_context):
    old = put(bucket, KEY, b"old bytes")
    new = put(bucket, KEY, b"new bytes")
    start_execution.handler(s3_event(created(new)), lambda_context)
    put(bucket, THUMBNAIL, b"thumb of new")
    before = item(stack)
    bucket.delete_object(Bucket=BUCKET, Key=KEY, VersionId=old["VersionId"])

    result = start_execution.handler(s3_event(removed(old["VersionId"])), lambda_context)

    assert result["removed"] == []
    assert result["skipped"] == [{"s3Key": KEY, "reason": "a current version remains"}]
    assert item(stack) == before
    assert len(versions(bucket, THUMBNAIL)) == 1


def test_deleting_the_current_version_processes_the_one_current_again(
    stack, bucket, lambda_context
):
    old = put(bucket, KEY, b"old bytes")
    start_execution.handler(s3_event(created(old)), lambda_context)
    new = put(bucket, KEY, b"new bytes")
    later = "2026-11-25T12:05:00.000Z"
    start_execution.handler(s3_event(created(new, at=later)), lambda_context)
    put(bucket, THUMBNAIL, b"thumb of new")
    replaced = item(stack)["executionName"]
    bucket.delete_object(Bucket=BUCKET, Key=KEY, VersionId=new["VersionId"])

    event = s3_event(removed(new["VersionId"]))
    result = start_execution.handler(event, lambda_context)

    assert [r["itemRemoved"] for r in result["removed"]] == [True]
    [restarted] = result["started"]
    name = executions.name_of(restarted["executionArn"])
    current = item(stack)
    assert current["executionName"] == name != replaced
    assert current["executionArn"] == restarted["executionArn"]
    assert current["processingStatus"] == "RUNNING"
    assert "-r" in name  # not the old upload's name
    assert versions(bucket, THUMBNAIL) == []
    # Redelivered: the restored photo is the current one now; nothing removed, nothing started.
    again = start_execution.handler(event, lambda_context)
    assert again["removed"] == [] and again["started"] == []
    assert item(stack)["executionName"] == name


def test_an_upload_hidden_by_a_delete_marker_starts_nothing(stack, bucket, lambda_context):
    first = put(bucket, KEY, b"photo")
    bucket.delete_object(Bucket=BUCKET, Key=KEY)
    result = start_execution.handler(s3_event(created(first)), lambda_context)
    assert result["started"] == []
    assert result["skipped"] == [{"s3Key": KEY, "reason": "object no longer exists"}]
    assert item(stack) is None


def test_an_item_a_newer_upload_owns_is_never_deleted(stack):
    records.put_pending(
        TABLE,
        records.PendingItem(image_id=IMAGE_ID, s3_key=KEY, upload_time=2, execution_name="newer"),
    )
    assert records.mark_running(TABLE, IMAGE_ID, "newer", "arn:older") is True
    # Ownership is the name: the ARN recorded on the item does not own it.
    assert records.delete_if_owned(TABLE, IMAGE_ID, "older") is False
    assert records.delete_if_owned(TABLE, IMAGE_ID, "arn:older") is False
    assert item(stack)["executionName"] == "newer"
    assert records.delete_if_owned(TABLE, IMAGE_ID, "newer") is True
    assert item(stack) is None


def test_removing_a_photo_an_express_execution_runs_stops_nothing(stack, bucket, lambda_context):
    from image_pipeline.clients import client

    first = put(bucket, KEY, b"photo")
    name = executions.execution_name(BUCKET, KEY, first["ETag"].strip('"'))
    express_arn = f"arn:aws:states:us-east-1:123456789012:express:image-pipeline:{name}:0a1b2c3d"
    records.put_pending(
        TABLE,
        records.PendingItem(image_id=IMAGE_ID, s3_key=KEY, upload_time=1, execution_name=name),
    )
    records.mark_running(TABLE, IMAGE_ID, name, express_arn)
    stops: list[dict] = []
    client("stepfunctions").meta.events.register(
        "before-call.sfn.StopExecution", lambda params, **kwargs: stops.append(params)
    )
    marker = bucket.delete_object(Bucket=BUCKET, Key=KEY)["VersionId"]

    event = s3_event(removed(marker, name="ObjectRemoved:DeleteMarkerCreated"))
    result = start_execution.handler(event, lambda_context)

    assert [r["itemRemoved"] for r in result["removed"]] == [True]
    assert item(stack) is None
    assert stops == []  # EXPRESS executions cannot be stopped: their writes miss instead


def test_deleting_an_older_version_leaves_a_photo_an_express_execution_runs(
    stack, bucket, lambda_context, monkeypatch
):
    # An EXPRESS ARN ends in an id, not the name: which bytes the item describes is told by
    # its executionName.
    monkeypatch.setattr(
        executions,
        "start",
        lambda machine, name, payload: (
            f"arn:aws:states:us-east-1:123456789012:express:image-pipeline:{name}:0a1b2c3d"
        ),
    )
    old = put(bucket, KEY, b"old bytes")
    new = put(bucket, KEY, b"new bytes")
    [started] = start_execution.handler(s3_event(created(new)), lambda_context)["started"]
    assert executions.is_express(started["executionArn"])
    before = item(stack)
    bucket.delete_object(Bucket=BUCKET, Key=KEY, VersionId=old["VersionId"])

    result = start_execution.handler(s3_event(removed(old["VersionId"])), lambda_context)

    assert result["removed"] == []
    assert result["skipped"] == [{"s3Key": KEY, "reason": "a current version remains"}]
    assert item(stack) == before
