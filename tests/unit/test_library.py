"""The library's typed entry points, called directly (handlers only parse events into them)."""

from __future__ import annotations

import json

import pytest
from image_pipeline import events, executions, outcome, ownership, trigger
from image_pipeline.config import StartConfig
from image_pipeline.errors import InvalidInput
from image_pipeline.models import S3Location, S3Notification
from image_pipeline.ownership import Ownership, Refusal
from image_pipeline.transform import check_stored, transform_metadata

from .conftest import (
    BUCKET,
    OTHER,
    OWNER,
    STATE_MACHINE_ARN,
    TABLE,
    load_event,
    s3_event,
    s3_record,
)

NAME = "photo-jpg-abc"
ARN = STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:") + ":" + NAME
EXPRESS_ARN = (
    STATE_MACHINE_ARN.replace(":stateMachine:", ":express:")
    + f":{NAME}:2b3c4d5e-6f70-4182-9a3b-4c5d6e7f8091"
)
CONFIG = StartConfig(table_name=TABLE, state_machine_arn=STATE_MACHINE_ARN, incoming_prefix="In/")


# ------------------------------------------------------------------- parsing events


def test_s3_notifications_decode_each_key_exactly_once():
    notes = events.s3_notifications(s3_event(s3_record("Incoming/a b+c%.jpg", version_id="v9")))
    assert notes == [
        S3Notification(
            event_name="ObjectCreated:Put",
            bucket=BUCKET,
            key="Incoming/a b+c%.jpg",
            etag="0123456789abcdef0123456789abcdef",
            version_id="v9",
            event_time="2026-11-25T12:00:00.000Z",
        )
    ]


def test_s3_notifications_tolerate_what_delete_events_lack():
    gone = [n for n in events.s3_notifications(load_event("s3_batch_mixed.json")) if not n.etag]
    assert [(n.event_name, n.key, n.version_id) for n in gone] == [
        ("ObjectRemoved:Delete", "Incoming/gone.jpg", None)
    ]


@pytest.mark.parametrize(
    "event",
    [{}, {"Records": "x"}, {"Records": [{"s3": {"bucket": {}}}]}, [], {"Records": [None]}],
    ids=["no-records", "not-a-list", "no-key", "list", "null-record"],
)
def test_not_an_s3_notification(event):
    with pytest.raises(InvalidInput):
        events.s3_notifications(event)


def test_tags_are_names_with_numeric_confidences_only():
    raw = [
        {"name": "Tree", "confidence": None},
        "Sky",
        {},
        {"confidence": 50.0},
        {"name": "Dog", "confidence": 71.5},
        {"name": "Cat", "confidence": True},
        {"name": " ", "confidence": 1},
        42,
    ]
    # Most confident first (events.tags sorts); those without a confidence after, in order.
    assert events.tags(raw) == [
        {"name": "Dog", "confidence": 71.5},
        {"name": "Tree"},
        {"name": "Sky"},
        {"name": "Cat"},
    ]
    assert events.tags(None) == [] and events.tags("Sky") == []


@pytest.mark.parametrize(
    ("version", "expected"),
    [("3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY", "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"), (None, None)],
)
def test_s3_location_carries_the_version_to_read(version, expected):
    event = {"s3Bucket": BUCKET, "s3Key": "Incoming/x.jpg", "s3VersionId": version}
    assert events.s3_location(event) == S3Location(BUCKET, "Incoming/x.jpg", expected)
    assert events.s3_location({"s3Bucket": BUCKET, "s3Key": "k"}).version_id is None


@pytest.mark.parametrize("version", ["", 7, ["v1"], {"id": "v1"}])
def test_s3_location_refuses_a_malformed_version(version):
    with pytest.raises(InvalidInput, match="s3VersionId"):
        events.s3_location({"s3Bucket": BUCKET, "s3Key": "k", "s3VersionId": version})


def test_thumbnail_location():
    value = {"s3Bucket": BUCKET, "s3Key": "Thumbnails/x.jpg", "width": 1, "height": 1}
    assert events.thumbnail(value) == S3Location(BUCKET, "Thumbnails/x.jpg")
    assert events.thumbnail(None) is None
    with pytest.raises(InvalidInput):
        events.thumbnail({"s3Key": "Thumbnails/x.jpg"})


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"error": "E", "cause": "c"}, ("E", "c")),
        ({"error": {"Error": "E", "Cause": "c"}}, ("E", "c")),
        ({"error": None, "cause": None}, (None, None)),
        ({"error": "E", "cause": {"errorMessage": "m"}}, ("E", {"errorMessage": "m"})),
        ({"error": "E", "cause": 7}, ("E", "7")),
    ],
    ids=["plain", "catch-result", "nothing", "cause-object", "cause-number"],
)
def test_failure(event, expected):
    assert events.failure(event) == expected


# ------------------------------------------------------------------ execution names


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        (ARN, NAME),
        (EXPRESS_ARN, NAME),
        ("arn:aws:states:eu-west-1:210987654321:execution:other-sm:run_1-x", "run_1-x"),
        ("arn:aws-cn:states:cn-north-1:210987654321:express:sm:run-1:0a1b2c3d", "run-1"),
    ],
    ids=["standard", "express", "other-machine", "express-partition"],
)
def test_name_of_reads_the_name_in_both_arn_forms(arn, expected):
    assert executions.name_of(arn) == expected


@pytest.mark.parametrize(
    "value",
    [
        NAME,
        "",
        STATE_MACHINE_ARN,
        ARN + ":extra",
        EXPRESS_ARN.rsplit(":", 1)[0].replace(":express:", ":execution:") + ":x:y",
        EXPRESS_ARN.rsplit(":", 1)[0],
        EXPRESS_ARN.replace(":express:", ":execution:"),
        ARN.replace(":execution:", ":express:"),
        "arn:aws:lambda:us-east-1:123456789012:function:image-pipeline:live",
    ],
    ids=[
        "bare-name",
        "empty",
        "state-machine",
        "standard-too-long",
        "standard-too-long-2",
        "express-without-id",
        "nine-parts-not-express",
        "eight-parts-not-execution",
        "lambda",
    ],
)
def test_name_of_refuses_anything_but_an_execution_arn(value):
    with pytest.raises(ValueError, match="Not a Step Functions execution ARN"):
        executions.name_of(value)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"executionName": "by-name"}, "by-name"),
        ({"executionName": "by-name", "executionArn": ARN}, "by-name"),
        ({"executionArn": ARN}, NAME),
        ({"executionArn": EXPRESS_ARN}, NAME),
        ({"executionName": "", "executionArn": EXPRESS_ARN}, NAME),
        ({"executionName": None, "executionArn": ARN}, NAME),
    ],
    ids=["name", "name-wins", "standard-arn", "express-arn", "empty-name", "null-name"],
)
def test_execution_name_from_the_event(event, expected):
    assert events.execution_name(event) == expected


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"executionName": ""},
        {"executionArn": ""},
        {"executionArn": None},
        {"executionArn": NAME},
        {"executionArn": STATE_MACHINE_ARN},
        {"executionName": 7, "executionArn": 7},
        ["executionName"],
    ],
    ids=[
        "nothing",
        "empty-name",
        "empty-arn",
        "null-arn",
        "name-as-arn",
        "machine",
        "ints",
        "list",
    ],
)
def test_execution_name_missing_or_malformed_is_invalid_input(event):
    with pytest.raises(InvalidInput) as info:
        events.execution_name(event)
    assert type(info.value).__name__ == "InvalidInput"


# -------------------------------------------------------------- metadata, once


@pytest.mark.parametrize(
    "raw",
    [
        {"format": "mpo", "width": "7", "height": 3.0, "fileSize": 1.5, "exifMake": " Cam "},
        {"format": "PNG", "width": -1, "height": 3, "fileSize": -5, "geo": {"latitude": "1"}},
        {"format": "JPEG", "width": 2, "height": 2, "geo": {"latitude": 0, "longitude": "-180"}},
        {"width": float("nan"), "height": float("inf"), "fileSize": True, "creationTime": 5},
        {},
    ],
)
def test_whatever_transform_produces_is_stored_as_it_is(raw):
    stored = transform_metadata(raw)
    assert check_stored(stored) == stored
    assert json.loads(json.dumps(stored)) == stored


def test_check_stored_changes_nothing_it_accepts():
    stored = {"imageFormat": "whatever", "dimensions": {"width": 1, "height": 2}, "fileSize": 0}
    assert check_stored(stored) == stored
    assert check_stored({"geo": None, "exifMake": ""}) == {}


def test_store_metadata_takes_typed_arguments(table):
    table.put_item(Item={"imageID": "photo.jpg", "executionName": NAME, "uploadTime": 1})
    result = outcome.store_metadata(
        TABLE,
        image_id="photo.jpg",
        execution_name=NAME,
        metadata={"imageFormat": "JPEG", "dimensions": {"width": 4, "height": 3}},
        tags=[{"name": "Sky", "confidence": 99.0}, {"name": "Blue"}],
        thumbnail=S3Location(BUCKET, "Thumbnails/photo.jpg"),
    )
    assert result == {"imageID": "photo.jpg", "processingStatus": "SUCCEEDED"}
    item = table.get_item(Key={"imageID": "photo.jpg"}, ConsistentRead=True)["Item"]
    assert item["processingStatus"] == "SUCCEEDED"
    assert item["thumbnail"] == {"s3Bucket": BUCKET, "s3Key": "Thumbnails/photo.jpg"}
    assert item["dimensions"] == {"width": 4, "height": 3}
    assert [tag["name"] for tag in item["tags"]] == ["Sky", "Blue"]
    assert "executionArn" not in item  # none given


def test_store_metadata_records_the_arn_it_is_given(table):
    table.put_item(Item={"imageID": "photo.jpg", "executionName": NAME, "uploadTime": 1})
    outcome.store_metadata(
        TABLE,
        image_id="photo.jpg",
        execution_name=NAME,
        execution_arn=EXPRESS_ARN,
        metadata={},
        tags=[],
        thumbnail=None,
    )
    item = table.get_item(Key={"imageID": "photo.jpg"}, ConsistentRead=True)["Item"]
    assert (item["processingStatus"], item["executionArn"]) == ("SUCCEEDED", EXPRESS_ARN)


def test_results_of_another_execution_name_are_not_stored(table):
    # Ownership is by name: the same ARN recorded on the item does not make a write its own.
    table.put_item(
        Item={
            "imageID": "photo.jpg",
            "executionName": "newer",
            "executionArn": ARN,
            "uploadTime": 1,
        }
    )
    outcome.store_metadata(
        TABLE,
        image_id="photo.jpg",
        execution_name=NAME,
        execution_arn=ARN,
        metadata={},
        tags=[],
        thumbnail=None,
    )
    outcome.record_failure(TABLE, image_id="photo.jpg", execution_name=NAME, error="E", cause="c")
    item = table.get_item(Key={"imageID": "photo.jpg"}, ConsistentRead=True)["Item"]
    assert "processingStatus" not in item and "error" not in item


def test_store_metadata_never_transforms_raw_metadata(table):
    table.put_item(Item={"imageID": "photo.jpg", "executionName": NAME, "uploadTime": 1})
    with pytest.raises(InvalidInput, match="unexpected format, height, width"):
        outcome.store_metadata(
            TABLE,
            image_id="photo.jpg",
            execution_name=NAME,
            metadata={"format": "JPEG", "width": 4, "height": 3},  # type: ignore[typeddict-unknown-key]
            tags=[],
            thumbnail=None,
        )
    assert "processingStatus" not in table.get_item(Key={"imageID": "photo.jpg"})["Item"]


def test_record_failure_takes_typed_arguments(table):
    table.put_item(Item={"imageID": "photo.jpg", "executionName": NAME, "uploadTime": 1})
    cause = json.dumps({"errorMessage": "The file is empty", "errorType": "ImageIdentifyError"})
    result = outcome.record_failure(
        TABLE, image_id="photo.jpg", execution_name=NAME, error="ImageIdentifyError", cause=cause
    )
    assert result == {
        "imageID": "photo.jpg",
        "processingStatus": "FAILED",
        "error": "ImageIdentifyError",
        "cause": "The file is empty",
    }
    item = table.get_item(Key={"imageID": "photo.jpg"}, ConsistentRead=True)["Item"]
    assert (item["processingStatus"], item["error"]) == ("FAILED", "ImageIdentifyError")
    unknown = outcome.record_failure(
        TABLE,
        image_id="photo.jpg",
        execution_name=NAME,
        execution_arn=EXPRESS_ARN,
        error=None,
        cause=None,
    )
    assert (unknown["error"], unknown["cause"]) == ("UnknownError", "No cause given")
    item = table.get_item(Key={"imageID": "photo.jpg"}, ConsistentRead=True)["Item"]
    assert (item["error"], item["executionArn"]) == ("UnknownError", EXPRESS_ARN)


# --------------------------------------------------------------------- start


def test_start_executions_takes_a_config_and_notifications(stack):
    stack["s3"].put_object(Bucket=BUCKET, Key=f"In/{OWNER}/photo.jpg", Body=b"x")
    notes = [
        S3Notification("ObjectCreated:Put", BUCKET, f"In/{OWNER}/photo.jpg", etag="e1"),
        S3Notification("ObjectCreated:Put", BUCKET, "Incoming/photo.jpg", etag="e1"),
    ]
    result = trigger.start_executions(CONFIG, notes)
    [started] = result.started
    assert (started["s3Key"], started["imageID"]) == (f"In/{OWNER}/photo.jpg", f"{OWNER}/photo.jpg")
    assert result.skipped == [{"s3Key": "Incoming/photo.jpg", "reason": "not under In/"}]
    execution = stack["sfn"].describe_execution(executionArn=started["executionArn"])
    assert json.loads(execution["input"])["s3Key"] == f"In/{OWNER}/photo.jpg"


# ------------------------------------------------------------------------- ownership


@pytest.mark.parametrize(
    ("image_id", "metadata", "expected"),
    [
        (f"{OWNER}/Trip/a.jpg", {}, Ownership(OWNER, f"{OWNER}/Trip")),
        (f"{OWNER}/Trip/2026/a.jpg", {}, Ownership(OWNER, f"{OWNER}/Trip")),
        (f"{OWNER}/a.jpg", {}, Ownership(OWNER, None)),
        (f"{OWNER}//a.jpg", {}, Ownership(OWNER, None)),
        (
            f"{OWNER}/Trip/a.jpg",
            {"albumid": f"{OWNER}/Summer"},
            Ownership(OWNER, f"{OWNER}/Summer"),
        ),
        (
            f"{OWNER}/Trip/a.jpg",
            {"albumid": "Summer/2026"},
            Ownership(OWNER, f"{OWNER}/Summer/2026"),
        ),
        (f"{OWNER}/Trip/a.jpg", {"albumid": OWNER}, Ownership(OWNER, f"{OWNER}/Trip")),
        (f"{OWNER}/Trip/a.jpg", {"albumid": f"{OWNER}/"}, Ownership(OWNER, f"{OWNER}/Trip")),
        (f"{OWNER}/Trip/a.jpg", {"albumid": "", "userid": ""}, Ownership(OWNER, f"{OWNER}/Trip")),
        # Almost an identity id (37 hex characters): an album name like any other.
        (f"{OWNER}/a.jpg", {"albumid": OTHER + "f/x"}, Ownership(OWNER, f"{OWNER}/{OTHER}f/x")),
        ("alice/a.jpg", {"userid": "alice", "albumid": "alice/x"}, Ownership("alice", "alice/x")),
        ("alice/a.jpg", {"albumid": "bob/x"}, Ownership("alice", "alice/bob/x")),
        (
            f"{OWNER}/a.jpg",
            {"userid": OTHER},
            Refusal(OWNER, None, "userid metadata names another owner than the key"),
        ),
        (
            f"{OWNER}/Trip/a.jpg",
            {"albumid": f"{OTHER}/Trip"},
            Refusal(OWNER, f"{OWNER}/Trip", "albumid metadata names another owner's album"),
        ),
        (
            "alice/a.jpg",
            {"albumid": f"{OTHER}/Trip"},
            Refusal("alice", None, "albumid metadata names another owner's album"),
        ),
        (
            "a.jpg",
            {"userid": OWNER},
            Refusal(None, None, "The key has no owner folder: it must be In/<identityId>/..."),
        ),
    ],
)
def test_ownership_comes_from_the_key(image_id, metadata, expected):
    assert ownership.decide(image_id, metadata, "In/") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (OWNER, True),
        (OTHER, True),
        ("ap-southeast-2:00000000-0000-0000-0000-000000000000", True),
        ("us-gov-west-1:00000000-0000-0000-0000-000000000000", True),
        ("US-EAST-1:00000000-0000-0000-0000-000000000000", False),
        ("us-east-1:00000000-0000-0000-0000-00000000000", False),
        ("us-east-1:" + "0" * 36 + "/x", False),
        ("alice", False),
        ("", False),
    ],
)
def test_identity_ids(value, expected):
    assert ownership.is_identity_id(value) is expected
