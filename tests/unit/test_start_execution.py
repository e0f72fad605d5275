"""start_execution: decoding, filtering, batching, idempotency, item and execution."""

from __future__ import annotations

import json
import re

import pytest
from image_pipeline.executions import execution_arn, execution_name
from image_pipeline.handlers import start_execution

from .conftest import BUCKET, STATE_MACHINE_ARN, load_event, s3_event, s3_record

NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def upload(s3, key: str, body: bytes = b"x", **meta: str) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=body, Metadata=meta)


def item(table, image_id: str) -> dict:
    return table.get_item(Key={"imageID": image_id}, ConsistentRead=True).get("Item")


def executions(sfn) -> list[dict]:
    return sfn.list_executions(stateMachineArn=STATE_MACHINE_ARN)["executions"]


def test_single_record_writes_item_and_starts_execution(stack, lambda_context):
    s3, table, sfn = stack["s3"], stack["table"], stack["sfn"]
    upload(s3, "Incoming/photo.jpg", userid="alice", albumid="alice/Holidays")
    result = start_execution.handler(s3_event(s3_record("Incoming/photo.jpg")), lambda_context)

    assert result["skipped"] == []
    [started] = result["started"]
    arn = started["executionArn"]
    name = arn.rsplit(":", 1)[1]
    assert NAME.match(name) and name.startswith("photo-jpg-")
    assert arn == STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:") + ":" + name

    stored = item(table, "photo.jpg")
    assert stored["s3key"] == "Incoming/photo.jpg"
    assert stored["userID"] == "alice"
    assert stored["albumID"] == "alice/Holidays"
    assert stored["uploadTime"] == 1795608000000  # 2026-11-25T12:00:00Z in epoch ms
    assert stored["executionArn"] == arn
    assert stored["processingStatus"] == "RUNNING"

    [execution] = executions(sfn)
    assert execution["executionArn"] == arn
    payload = json.loads(sfn.describe_execution(executionArn=arn)["input"])
    assert payload == {
        "s3Bucket": BUCKET,
        "s3Key": "Incoming/photo.jpg",
        "imageID": "photo.jpg",
        "userID": "alice",
        "albumID": "alice/Holidays",
        "uploadTime": 1795608000000,
    }


def test_event_file_key_is_decoded_exactly_once(stack, lambda_context):
    key = "Incoming/1700000000-alice/Holidays-my photo + été.jpg"
    upload(stack["s3"], key, userid="alice")
    event = load_event("s3_object_created.json")
    result = start_execution.handler(event, lambda_context)
    [started] = result["started"]
    assert started["s3Key"] == key
    assert started["imageID"] == "1700000000-alice/Holidays-my photo + été.jpg"
    stored = item(stack["table"], started["imageID"])
    assert stored["s3key"] == key
    assert "albumID" not in stored  # unknown -> absent, never null
    assert NAME.match(started["executionArn"].rsplit(":", 1)[1])


@pytest.mark.parametrize(
    "key",
    ["Incoming/a b.jpg", "Incoming/a+b.jpg", "Incoming/100%25.jpg", "Incoming/日本 語+x.png"],
)
def test_special_characters_in_keys(stack, lambda_context, key):
    upload(stack["s3"], key)
    result = start_execution.handler(s3_event(s3_record(key)), lambda_context)
    assert [s["s3Key"] for s in result["started"]] == [key]
    assert item(stack["table"], key.removeprefix("Incoming/"))["processingStatus"] == "RUNNING"


def test_batch_processes_every_record_and_skips_others(stack, lambda_context):
    upload(stack["s3"], "Incoming/a.jpg")
    upload(stack["s3"], "Incoming/b c.png", userid="bob")
    result = start_execution.handler(load_event("s3_batch_mixed.json"), lambda_context)
    assert sorted(s["s3Key"] for s in result["started"]) == ["Incoming/a.jpg", "Incoming/b c.png"]
    reasons = {s["s3Key"]: s["reason"] for s in result["skipped"]}
    assert reasons["Incoming/gone.jpg"].startswith("not an ObjectCreated event")
    assert reasons["Incoming/album/"] == "folder marker"
    assert reasons["Thumbnails/a.jpg"] == "not under Incoming/"
    assert len(executions(stack["sfn"])) == 2
    assert item(stack["table"], "b c.png")["userID"] == "bob"


def test_redelivered_event_starts_nothing_and_changes_nothing(stack, lambda_context):
    upload(stack["s3"], "Incoming/photo.jpg")
    event = s3_event(s3_record("Incoming/photo.jpg"))
    first = start_execution.handler(event, lambda_context)
    arn = first["started"][0]["executionArn"]
    stack["table"].update_item(
        Key={"imageID": "photo.jpg"},
        UpdateExpression="SET processingStatus = :s",
        ExpressionAttributeValues={":s": "SUCCEEDED"},
    )
    second = start_execution.handler(event, lambda_context)
    assert second["started"] == []
    assert second["skipped"] == [
        {"s3Key": "Incoming/photo.jpg", "reason": "already started", "executionArn": arn}
    ]
    assert item(stack["table"], "photo.jpg")["processingStatus"] == "SUCCEEDED"
    assert len(executions(stack["sfn"])) == 1


def test_crash_between_item_and_start_is_recovered_by_redelivery(stack, lambda_context):
    upload(stack["s3"], "Incoming/photo.jpg")
    record = s3_record("Incoming/photo.jpg")
    name = execution_name(BUCKET, "Incoming/photo.jpg", record["s3"]["object"]["eTag"])
    stack["table"].put_item(
        Item={
            "imageID": "photo.jpg",
            "executionArn": execution_arn(STATE_MACHINE_ARN, name),
            "processingStatus": "PENDING",
            "uploadTime": 1795608000000,
        }
    )
    result = start_execution.handler(s3_event(record), lambda_context)
    assert len(result["started"]) == 1
    assert item(stack["table"], "photo.jpg")["processingStatus"] == "RUNNING"


def test_execution_already_exists_is_not_a_failure(stack, lambda_context):
    upload(stack["s3"], "Incoming/photo.jpg")
    record = s3_record("Incoming/photo.jpg")
    name = execution_name(BUCKET, "Incoming/photo.jpg", record["s3"]["object"]["eTag"])
    stack["sfn"].start_execution(stateMachineArn=STATE_MACHINE_ARN, name=name, input="{}")
    result = start_execution.handler(s3_event(record), lambda_context)
    assert result["started"] == []
    assert result["skipped"][0]["reason"] == "already started"
    # the item written by this delivery is not left PENDING
    assert item(stack["table"], "photo.jpg")["processingStatus"] == "RUNNING"


def test_newer_upload_of_same_key_wins(stack, lambda_context):
    upload(stack["s3"], "Incoming/photo.jpg")
    old = s3_record("Incoming/photo.jpg", etag="old", event_time="2026-11-25T12:00:00.000Z")
    new = s3_record("Incoming/photo.jpg", etag="new", event_time="2026-11-25T12:05:00.000Z")
    start_execution.handler(s3_event(new), lambda_context)
    newer_arn = item(stack["table"], "photo.jpg")["executionArn"]
    late = start_execution.handler(s3_event(old), lambda_context)  # late redelivery of v1
    assert late["started"] == []
    assert late["skipped"][0]["reason"] == "superseded by a newer upload"
    assert item(stack["table"], "photo.jpg")["executionArn"] == newer_arn


def test_reupload_replaces_the_item(stack, lambda_context):
    upload(stack["s3"], "Incoming/photo.jpg")
    v1 = s3_record("Incoming/photo.jpg", etag="v1", event_time="2026-11-25T12:00:00.000Z")
    v2 = s3_record("Incoming/photo.jpg", etag="v2", event_time="2026-11-25T12:05:00.000Z")
    first = start_execution.handler(s3_event(v1), lambda_context)["started"][0]
    second = start_execution.handler(s3_event(v2), lambda_context)["started"][0]
    assert first["executionArn"] != second["executionArn"]
    assert item(stack["table"], "photo.jpg")["executionArn"] == second["executionArn"]


def test_object_deleted_before_trigger_ran_is_skipped(stack, lambda_context):
    result = start_execution.handler(s3_event(s3_record("Incoming/gone.jpg")), lambda_context)
    assert result == {
        "started": [],
        "skipped": [{"s3Key": "Incoming/gone.jpg", "reason": "object no longer exists"}],
    }


def test_a_failing_record_does_not_stop_the_others_but_fails_the_event(
    stack, lambda_context, monkeypatch
):
    upload(stack["s3"], "Incoming/ok.jpg")
    upload(stack["s3"], "Incoming/bad.jpg")
    event = s3_event(
        s3_record("Incoming/bad.jpg", bucket="no-such-bucket"), s3_record("Incoming/ok.jpg")
    )
    with pytest.raises(RuntimeError, match="1 record"):
        start_execution.handler(event, lambda_context)
    assert item(stack["table"], "ok.jpg")["processingStatus"] == "RUNNING"


# ---------------------------------------------------------------------- execution names


def test_execution_names_are_deterministic_and_valid():
    a = execution_name(BUCKET, "Incoming/x.jpg", "v1")
    assert a == execution_name(BUCKET, "Incoming/x.jpg", "v1")
    assert a != execution_name(BUCKET, "Incoming/x.jpg", "v2")
    assert a != execution_name("other", "Incoming/x.jpg", "v1")
    long_key = "Incoming/" + "Ünïcødé názév + spaces " * 20 + ".jpeg"
    for key in (long_key, "Incoming/日本語.jpg", "Incoming/....jpg", "Incoming/a/b/c"):
        assert NAME.match(execution_name(BUCKET, key, None)), key


def test_execution_name_is_readable():
    assert execution_name(BUCKET, "Incoming/My Photo (1).JPG", "e").startswith("My-Photo-1-JPG-")


def test_same_bytes_uploaded_again_as_a_new_version_start_nothing_new(stack, lambda_context):
    upload(stack["s3"], "Incoming/photo.jpg")
    first = start_execution.handler(
        s3_event(s3_record("Incoming/photo.jpg", version_id="v1")), lambda_context
    )
    second = start_execution.handler(
        s3_event(s3_record("Incoming/photo.jpg", version_id="v2")), lambda_context
    )
    assert len(first["started"]) == 1
    assert second["started"] == []
    assert second["skipped"][0]["executionArn"] == first["started"][0]["executionArn"]
    assert len(executions(stack["sfn"])) == 1


def test_new_content_under_the_same_key_starts_a_new_execution(stack, lambda_context):
    upload(stack["s3"], "Incoming/photo.jpg")
    first = start_execution.handler(
        s3_event(s3_record("Incoming/photo.jpg", etag="a" * 32)), lambda_context
    )
    later = s3_record("Incoming/photo.jpg", etag="b" * 32, event_time="2026-11-25T12:00:05.000Z")
    second = start_execution.handler(s3_event(later), lambda_context)
    assert first["started"][0]["executionArn"] != second["started"][0]["executionArn"]
    assert item(stack["table"], "photo.jpg")["executionArn"] == second["started"][0]["executionArn"]
