"""Reprocess and backfill (image_pipeline.reprocess) on moto in process: what runs again, with
which name and item, and what never does."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from image_pipeline import executions, records
from image_pipeline.config import RunConfig
from image_pipeline.errors import InvalidInput, ReprocessNotAllowed
from image_pipeline.models import S3Location
from image_pipeline.reprocess import (
    backfill_object,
    list_keys,
    prepare,
    restart,
    restart_owned,
    run_id,
    wait,
)

from tests.unit.conftest import BUCKET, OTHER, OWNER, STATE_MACHINE_ARN, TABLE

CONFIG = RunConfig(BUCKET, TABLE, STATE_MACHINE_ARN, "Incoming/")
KEY = f"Incoming/{OWNER}/album/photo.jpg"
IMAGE_ID = KEY.removeprefix("Incoming/")
OLD_NAME = "photo-jpg-00000000000000000000"
OLD_ARN = executions.execution_arn(STATE_MACHINE_ARN, OLD_NAME)


def succeeded_item(table, image_id: str = IMAGE_ID, **extra) -> dict:
    item = {
        "imageID": image_id,
        "s3key": "Incoming/" + image_id,
        "userID": image_id.split("/")[0],
        "albumID": image_id.split("/")[0] + "/album",
        "uploadTime": 1_700_000_000_000,
        "executionName": OLD_NAME,
        "executionArn": OLD_ARN,
        "processingStatus": "SUCCEEDED",
        "attempt": 1,
        "imageFormat": "JPEG",
        "exifMake": "OldCam",
        "tags": [{"name": "Old", "confidence": Decimal("90")}],
        "thumbnail": {"s3Bucket": BUCKET, "s3Key": "Thumbnails/" + image_id},
        **extra,
    }
    table.put_item(Item=item)
    return item


def get(table, image_id: str = IMAGE_ID) -> dict:
    return table.get_item(Key={"imageID": image_id}, ConsistentRead=True).get("Item") or {}


def started(sfn) -> list[dict]:
    return sfn.list_executions(stateMachineArn=STATE_MACHINE_ARN)["executions"]


def test_a_succeeded_photo_runs_again_keeping_its_identity_and_results(stack):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"jpeg")
    before = succeeded_item(stack["table"])

    done = restart(CONFIG, KEY, run="abc123")

    assert done["outcome"] == "started"
    arn = done["executionArn"]
    name = executions.name_of(arn)
    assert name != OLD_NAME and name.endswith("-rabc123")
    assert executions.content_stem(arn).startswith("photo-jpg-")
    item = get(stack["table"])
    assert item["processingStatus"] == "RUNNING" and item["executionName"] == name
    assert item["executionArn"] == arn  # StartExecution's answer, recorded by mark_running
    for kept in ("s3key", "userID", "albumID", "uploadTime", "exifMake", "tags", "thumbnail"):
        assert item[kept] == before[kept], kept
    (execution,) = started(stack["sfn"])
    payload = json.loads(stack["sfn"].describe_execution(executionArn=arn)["input"])
    assert execution["executionArn"] == arn
    assert payload == {
        "s3Bucket": BUCKET,
        "s3Key": KEY,
        "s3VersionId": None,
        "imageID": IMAGE_ID,
        "userID": OWNER,
        "albumID": f"{OWNER}/album",
        "uploadTime": 1_700_000_000_000,
    }


def test_the_new_results_replace_all_the_old_ones_in_one_write(stack):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"jpeg")
    succeeded_item(stack["table"], geo={"latitude": Decimal("1"), "longitude": Decimal("2")})
    name = executions.name_of(restart(CONFIG, KEY, run="abc123")["executionArn"])

    assert records.store_success(
        TABLE, IMAGE_ID, name, {"imageFormat": "PNG", "fileSize": 4}, [{"name": "New"}], None
    )

    item = get(stack["table"])
    assert item["processingStatus"] == "SUCCEEDED" and item["imageFormat"] == "PNG"
    assert item["tags"] == [{"name": "New"}]
    # Nothing the new execution did not find survives from the old one.
    for stale in ("exifMake", "geo", "thumbnail"):
        assert stale not in item, stale


def test_a_late_result_of_the_old_execution_changes_nothing(stack):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"jpeg")
    succeeded_item(stack["table"])
    restart(CONFIG, KEY, run="abc123")
    location = S3Location(BUCKET, "Thumbnails/x")
    assert not records.store_success(TABLE, IMAGE_ID, OLD_NAME, {}, [], location, OLD_ARN)
    assert not records.store_failure(TABLE, IMAGE_ID, OLD_NAME, "E", "late", OLD_ARN)
    item = get(stack["table"])
    assert item["exifMake"] == "OldCam" and item["processingStatus"] == "RUNNING"
    assert item["executionArn"] != OLD_ARN


def test_a_run_prepared_but_not_started_names_no_arn(stack):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"jpeg")
    succeeded_item(stack["table"])

    prepared = prepare(CONFIG, KEY, "abc123")

    assert prepared.outcome == "start" and prepared.execution_arn is None
    item = get(stack["table"])
    assert (item["processingStatus"], item["executionName"]) == ("PENDING", prepared.name)
    assert "executionArn" not in item  # the old execution's ARN is gone with its ownership
    assert item["exifMake"] == "OldCam"  # its results are kept until the new ones


@pytest.mark.parametrize("status", ["PENDING", "RUNNING"])
def test_a_photo_still_in_progress_is_never_reprocessed(stack, status):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"jpeg")
    succeeded_item(stack["table"], processingStatus=status)

    done = restart(CONFIG, KEY, run="abc123")

    assert done["outcome"] == "skipped" and status in done["reason"]
    item = get(stack["table"])
    assert (item["executionName"], item["executionArn"]) == (OLD_NAME, OLD_ARN)
    assert started(stack["sfn"]) == []


def test_a_failed_photo_runs_again_and_loses_its_old_error(stack):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"jpeg")
    succeeded_item(stack["table"], processingStatus="FAILED", error="Boom", cause="old")

    done = restart(CONFIG, KEY, run="abc123")

    assert done["outcome"] == "started"
    item = get(stack["table"])
    assert "error" not in item and "cause" not in item


def test_the_same_run_again_starts_nothing_new(stack):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"jpeg")
    succeeded_item(stack["table"])
    first = restart(CONFIG, KEY, run="abc123")

    again = restart(CONFIG, KEY, run="abc123")

    assert again["outcome"] == "skipped" and again["reason"] == "already started"
    assert again["executionArn"] == first["executionArn"]
    assert [e["executionArn"] for e in started(stack["sfn"])] == [first["executionArn"]]


def test_a_newer_upload_meanwhile_is_never_overwritten(stack, monkeypatch):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"jpeg")
    succeeded_item(stack["table"])
    newer = "photo-jpg-11111111111111111111"
    original_get = records.get

    def get_then_upload(table: str, image_id: str):
        current = original_get(table, image_id)
        stack["table"].update_item(
            Key={"imageID": IMAGE_ID},
            UpdateExpression="SET executionName = :n, processingStatus = :s REMOVE executionArn",
            ExpressionAttributeValues={":n": newer, ":s": "PENDING"},
        )
        return current

    monkeypatch.setattr(records, "get", get_then_upload)
    done = restart(CONFIG, KEY, run="abc123")

    assert done["outcome"] == "skipped" and done["reason"] == "the item changed meanwhile"
    assert stack["table"].get_item(Key={"imageID": IMAGE_ID})["Item"]["executionName"] == newer
    assert started(stack["sfn"]) == []


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("Thumbnails/x.jpg", "not under Incoming/"),
        (f"Incoming/{OWNER}/album/", "folder marker"),
        (f"Incoming/{OWNER}/gone.jpg", "object no longer exists"),
    ],
)
def test_what_is_not_a_photo_is_skipped(stack, key, reason):
    assert restart(CONFIG, key, run="abc123") == {
        "s3Key": key,
        "outcome": "skipped",
        "reason": reason,
        **({"imageID": key.removeprefix("Incoming/")} if "gone" in key else {}),
    }


def test_metadata_claiming_another_owner_is_refused_and_recorded(stack):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"jpeg", Metadata={"userid": OTHER})
    succeeded_item(stack["table"])

    done = restart(CONFIG, KEY, run="abc123")

    assert done["outcome"] == "refused" and done["error"] == "OwnerMismatch"
    item = get(stack["table"])
    assert item["processingStatus"] == "FAILED" and item["error"] == "OwnerMismatch"
    assert item["userID"] == OWNER and started(stack["sfn"]) == []


def test_backfill_writes_a_missing_item_and_names_the_run_after_the_backfill(stack):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"jpeg")

    decision = backfill_object(CONFIG, KEY, "backfill-1", everything=False)

    assert decision["start"] is True
    run = run_id("backfill-1")
    assert decision["name"].endswith(f"-r{run}") and len(decision["name"]) <= 80
    item = get(stack["table"])
    assert item["processingStatus"] == "PENDING"
    assert item["executionName"] == decision["name"]
    assert "executionArn" not in item  # known only once the backfill starts it
    assert item["userID"] == OWNER and item["albumID"] == f"{OWNER}/album"
    assert decision["input"]["uploadTime"] == item["uploadTime"] > 0
    # The state machine starts it: nothing started here.
    assert started(stack["sfn"]) == []


def test_a_retried_backfill_item_names_the_same_execution(stack):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"jpeg")
    first = backfill_object(CONFIG, KEY, "backfill-1", everything=False)
    again = backfill_object(CONFIG, KEY, "backfill-1", everything=False)
    assert again == first


def test_backfill_skips_objects_with_an_item_unless_all(stack):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"jpeg")
    succeeded_item(stack["table"])

    skipped = backfill_object(CONFIG, KEY, "backfill-1", everything=False)
    everything = backfill_object(CONFIG, KEY, "backfill-2", everything=True)

    assert skipped == {"start": False, "s3Key": KEY, "reason": "already has an item"}
    assert everything["start"] is True
    assert get(stack["table"])["exifMake"] == "OldCam"  # kept until the new results


def test_backfill_skips_keys_outside_the_prefix_asked_for(stack):
    decision = backfill_object(CONFIG, KEY, "b", everything=False, prefix="Incoming/else/")
    assert decision == {"start": False, "s3Key": KEY, "reason": "not under Incoming/else/"}


def test_the_web_app_reprocesses_only_the_callers_own_photos(stack):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"jpeg")
    theirs = f"{OTHER}/album/photo.jpg"
    stack["s3"].put_object(Bucket=BUCKET, Key="Incoming/" + theirs, Body=b"jpeg")
    succeeded_item(stack["table"])
    succeeded_item(stack["table"], theirs)

    done = restart_owned(CONFIG, OWNER, [IMAGE_ID, theirs], run="abc123")

    assert [d["imageID"] for d in done["started"]] == [IMAGE_ID]
    assert [(d["imageID"], d["error"]) for d in done["refused"]] == [
        (theirs, "ReprocessNotAllowed")
    ]
    assert get(stack["table"], theirs)["executionName"] == OLD_NAME


@pytest.mark.parametrize("identity", [None, "", "not-an-identity"])
def test_the_web_app_needs_a_cognito_identity(stack, identity):
    with pytest.raises(ReprocessNotAllowed):
        restart_owned(CONFIG, identity, [IMAGE_ID], run="abc123")


@dataclass
class _Identity:
    cognito_identity_id: str | None


def test_reprocess_handler_uses_the_callers_identity(stack, lambda_context, monkeypatch):
    from image_pipeline.handlers import reprocess as handler

    for name, value in {"BUCKET_NAME": BUCKET, "IMAGE_METADATA_TABLE": TABLE}.items():
        monkeypatch.setenv(name, value)
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"jpeg")
    succeeded_item(stack["table"])
    lambda_context.identity = _Identity(OWNER)

    done = handler.handler({"imageIDs": [IMAGE_ID]}, lambda_context)

    assert [d["imageID"] for d in done["started"]] == [IMAGE_ID]
    # Named after the request: Lambda's retry of the same invocation starts nothing new.
    assert done["started"][0]["executionArn"].endswith("-r" + run_id(lambda_context.aws_request_id))
    again = handler.handler({"imageIDs": [IMAGE_ID]}, lambda_context)
    assert again["started"] == [] and again["skipped"][0]["reason"] == "already started"
    with pytest.raises(InvalidInput):
        handler.handler({"imageIDs": "nope"}, lambda_context)


def test_backfill_object_handler_decodes_inventory_keys(stack, lambda_context, monkeypatch):
    from image_pipeline.handlers import backfill_object as handler

    for name, value in {"BUCKET_NAME": BUCKET, "IMAGE_METADATA_TABLE": TABLE}.items():
        monkeypatch.setenv(name, value)
    key = f"Incoming/{OWNER}/album/a photo+1.jpg"
    stack["s3"].put_object(Bucket=BUCKET, Key=key, Body=b"jpeg")
    event = {
        "s3Key": f"Incoming/{OWNER}/album/a+photo%2B1.jpg",
        "keyEncoded": True,
        "prefix": "Incoming/",
        "all": False,
        "backfillExecution": "b1",
    }

    decision = handler.handler(event, lambda_context)

    assert decision["start"] is True and decision["input"]["s3Key"] == key
    with pytest.raises(InvalidInput):
        handler.handler({**event, "all": "yes"}, lambda_context)


def test_list_keys_reads_every_page(stack):
    for n in range(3):
        stack["s3"].put_object(Bucket=BUCKET, Key=f"Incoming/{OWNER}/{n}.jpg", Body=b"x")
    stack["s3"].put_object(Bucket=BUCKET, Key="Thumbnails/x.jpg", Body=b"x")
    assert sorted(list_keys(BUCKET, "Incoming/")) == [f"Incoming/{OWNER}/{n}.jpg" for n in range(3)]


def test_wait_reports_terminal_superseded_and_unfinished_items(stack):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"jpeg")
    succeeded_item(stack["table"])
    succeeded_item(stack["table"], "a/b/failed.jpg", processingStatus="FAILED")
    succeeded_item(stack["table"], "a/b/running.jpg", processingStatus="RUNNING")
    # A newer run owns this one (the same ARN recorded, as information, does not matter).
    succeeded_item(stack["table"], "a/b/newer.jpg", executionName="photo-jpg-newer")
    expected = {IMAGE_ID: OLD_NAME, "a/b/failed.jpg": OLD_NAME, "a/b/running.jpg": OLD_NAME}
    superseded = {"a/b/gone.jpg": OLD_NAME, "a/b/newer.jpg": OLD_NAME}

    outcome = wait(TABLE, {**expected, **superseded}, timeout_s=0, poll_s=0)

    assert outcome == {
        IMAGE_ID: "SUCCEEDED",
        "a/b/failed.jpg": "FAILED",
        "a/b/running.jpg": "RUNNING",
        "a/b/gone.jpg": "SUPERSEDED",
        "a/b/newer.jpg": "SUPERSEDED",
    }
    assert prepare(CONFIG, KEY, "r1").outcome == "start"


def test_a_backfill_start_that_failed_is_recorded_on_the_item(stack, lambda_context, monkeypatch):
    from image_pipeline.handlers import backfill_object as handler

    for name, value in {"BUCKET_NAME": BUCKET, "IMAGE_METADATA_TABLE": TABLE}.items():
        monkeypatch.setenv(name, value)
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"jpeg")
    decision = backfill_object(CONFIG, KEY, "backfill-1", everything=False)
    caught = {"Error": "StepFunctions.ExecutionAlreadyExistsException", "Cause": "exists"}
    event = {"imageID": IMAGE_ID, "name": decision["name"], "startError": caught}

    recorded = handler.handler(event, lambda_context)

    assert recorded["recorded"] is True
    assert (recorded["imageID"], recorded["executionName"]) == (IMAGE_ID, decision["name"])
    assert "executionArn" not in recorded
    item = get(stack["table"])
    assert item["processingStatus"] == "FAILED" and item["error"] == "StartFailed"
    assert "ExecutionAlreadyExists" in item["cause"]
    # Once the item moved on, a late record changes nothing.
    assert handler.handler(event, lambda_context)["recorded"] is False
