"""start_execution: decoding, filtering, batching, idempotency, ownership, item and execution."""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal

import pytest
from image_pipeline import executions as execution_api
from image_pipeline import outcome, records, trigger
from image_pipeline.executions import execution_arn, execution_name, name_of
from image_pipeline.handlers import start_execution
from image_pipeline.models import S3Location

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

NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
KEY = f"Incoming/{OWNER}/Holidays/photo.jpg"
IMAGE_ID = KEY.removeprefix("Incoming/")


def upload(s3, key: str, body: bytes = b"x", **meta: str) -> str | None:
    """Put the object; its version id (None on an unversioned bucket)."""
    return s3.put_object(Bucket=BUCKET, Key=key, Body=body, Metadata=meta).get("VersionId")


def item(table, image_id: str) -> dict:
    return table.get_item(Key={"imageID": image_id}, ConsistentRead=True).get("Item")


def executions(sfn) -> list[dict]:
    return sfn.list_executions(stateMachineArn=STATE_MACHINE_ARN)["executions"]


def execution_input(sfn, arn: str) -> dict:
    return json.loads(sfn.describe_execution(executionArn=arn)["input"])


def test_single_record_writes_item_and_starts_execution(stack, lambda_context):
    s3, table, sfn = stack["s3"], stack["table"], stack["sfn"]
    upload(s3, KEY, userid=OWNER, albumid=f"{OWNER}/Holidays")
    result = start_execution.handler(s3_event(s3_record(KEY)), lambda_context)

    assert result["skipped"] == [] and result["refused"] == []
    [started] = result["started"]
    arn = started["executionArn"]
    name = arn.rsplit(":", 1)[1]
    assert NAME.match(name) and name.startswith("photo-jpg-")
    assert arn == STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:") + ":" + name

    stored = item(table, IMAGE_ID)
    assert stored["s3key"] == KEY
    assert stored["userID"] == OWNER
    assert stored["albumID"] == f"{OWNER}/Holidays"
    assert stored["uploadTime"] == 1795608000000  # 2026-11-25T12:00:00Z in epoch ms
    assert stored["executionName"] == name
    assert stored["executionArn"] == arn
    assert stored["processingStatus"] == "RUNNING"

    [execution] = executions(sfn)
    assert execution["executionArn"] == arn
    assert execution_input(sfn, arn) == {
        "s3Bucket": BUCKET,
        "s3Key": KEY,
        "s3VersionId": None,  # an unversioned bucket
        "imageID": IMAGE_ID,
        "userID": OWNER,
        "albumID": f"{OWNER}/Holidays",
        "uploadTime": 1795608000000,
    }


def test_event_file_key_is_decoded_exactly_once(stack, lambda_context):
    key = "Incoming/1700000000-alice/Holidays-my photo + été.jpg"
    upload(stack["s3"], key)
    event = load_event("s3_object_created.json")
    event["Records"][0]["s3"]["object"].pop("versionId")  # the bucket here is unversioned
    result = start_execution.handler(event, lambda_context)
    [started] = result["started"]
    assert started["s3Key"] == key
    assert started["imageID"] == "1700000000-alice/Holidays-my photo + été.jpg"
    stored = item(stack["table"], started["imageID"])
    assert stored["s3key"] == key
    assert stored["userID"] == "1700000000-alice"  # the owner folder, whatever it is
    assert "albumID" not in stored  # no album folder, no albumid: absent, never null
    assert NAME.match(started["executionArn"].rsplit(":", 1)[1])


@pytest.mark.parametrize(
    "name",
    ["a b.jpg", "a+b.jpg", "100%25.jpg", "日本 語+x.png", "Sommer ü/Straße 1+1.jpg"],
)
def test_special_characters_in_keys(stack, lambda_context, name):
    key = f"Incoming/{OWNER}/{name}"
    upload(stack["s3"], key)
    result = start_execution.handler(s3_event(s3_record(key)), lambda_context)
    assert [s["s3Key"] for s in result["started"]] == [key]
    assert item(stack["table"], key.removeprefix("Incoming/"))["processingStatus"] == "RUNNING"


def test_unicode_album_and_file_names_round_trip_exactly(stack, lambda_context):
    album, file = "Été 2026 夏 + ü", "Ünïcødé + 日本%41.jpg"
    key = f"Incoming/{OWNER}/{album}/{file}"
    upload(stack["s3"], key)
    [started] = start_execution.handler(s3_event(s3_record(key)), lambda_context)["started"]
    payload = execution_input(stack["sfn"], started["executionArn"])
    assert payload["s3Key"] == key
    assert payload["imageID"] == f"{OWNER}/{album}/{file}"
    assert payload["albumID"] == f"{OWNER}/{album}"
    assert item(stack["table"], payload["imageID"])["albumID"] == f"{OWNER}/{album}"


def test_batch_processes_every_record_and_skips_others(stack, lambda_context):
    for name in ("a.jpg", "b c.png"):
        upload(stack["s3"], f"Incoming/{OWNER}/{name}")
    event = s3_event(
        s3_record(f"Incoming/{OWNER}/a.jpg", etag="etag-a"),
        s3_record(f"Incoming/{OWNER}/b c.png", etag="etag-b"),
        s3_record(f"Incoming/{OWNER}/gone.jpg", event_name="ObjectRemoved:Delete"),
        s3_record(f"Incoming/{OWNER}/album/", etag="d41d8cd98f00b204e9800998ecf8427e"),
        s3_record("Thumbnails/a.jpg"),
    )
    result = start_execution.handler(event, lambda_context)
    assert sorted(s["s3Key"] for s in result["started"]) == [
        f"Incoming/{OWNER}/a.jpg",
        f"Incoming/{OWNER}/b c.png",
    ]
    reasons = {s["s3Key"]: s["reason"] for s in result["skipped"]}
    assert result["removed"] == [
        {"s3Key": f"Incoming/{OWNER}/gone.jpg", "imageID": f"{OWNER}/gone.jpg"}
        | {"itemRemoved": False, "renditions": 0}
    ]
    assert reasons[f"Incoming/{OWNER}/album/"] == "folder marker"
    assert reasons["Thumbnails/a.jpg"] == "not under Incoming/"
    assert len(executions(stack["sfn"])) == 2
    assert item(stack["table"], f"{OWNER}/b c.png")["userID"] == OWNER


def test_event_file_batch_without_owner_folders_is_refused(stack, lambda_context):
    """tests/events/s3_batch_mixed.json uploads straight under Incoming/: no owner, nothing
    starts, and each such upload is recorded FAILED (OwnerMismatch)."""
    upload(stack["s3"], "Incoming/a.jpg")
    upload(stack["s3"], "Incoming/b c.png", userid="bob")
    result = start_execution.handler(load_event("s3_batch_mixed.json"), lambda_context)
    assert result["started"] == []
    assert sorted(r["imageID"] for r in result["refused"]) == ["a.jpg", "b c.png"]
    assert {r["error"] for r in result["refused"]} == {"OwnerMismatch"}
    assert executions(stack["sfn"]) == []
    refused = item(stack["table"], "b c.png")
    assert refused["processingStatus"] == "FAILED" and refused["error"] == "OwnerMismatch"
    assert "Incoming/<identityId>/" in refused["cause"]
    assert "userID" not in refused and "albumID" not in refused  # never "bob" from metadata


# ---------------------------------------------------------------------------- ownership


@pytest.mark.parametrize(
    ("key", "meta", "album"),
    [
        (f"Incoming/{OWNER}/Holidays/p.jpg", {}, f"{OWNER}/Holidays"),
        (f"Incoming/{OWNER}/p.jpg", {}, None),
        (f"Incoming/{OWNER}/Holidays/p.jpg", {"albumid": f"{OWNER}/Summer"}, f"{OWNER}/Summer"),
        (f"Incoming/{OWNER}/p.jpg", {"albumid": "Summer"}, f"{OWNER}/Summer"),
        (
            f"Incoming/{OWNER}/Holidays/p.jpg",
            {"albumid": "=?UTF-8?B?w4l0w6k=?="},
            f"{OWNER}/=?UTF-8?B?w4l0w6k=?=",
        ),
        (f"Incoming/{OWNER}/p.jpg", {"albumid": "%C3%89t%C3%A9"}, f"{OWNER}/%C3%89t%C3%A9"),
        (f"Incoming/{OWNER}/Holidays/p.jpg", {"userid": OWNER}, f"{OWNER}/Holidays"),
        ("Incoming/demo/run-1/p.jpg", {"userid": "demo", "albumid": "demo/x"}, "demo/x"),
        ("Incoming/e2e/p.jpg", {"albumid": "e2e/album"}, "e2e/album"),
    ],
    ids=[
        "key-album",
        "no-album",
        "metadata-album",
        "bare-album-name",
        "rfc2047-opaque",
        "percent-opaque",
        "userid-confirms",
        "operator-owner",
        "e2e-owner",
    ],
)
def test_the_owner_is_the_key_and_the_album_is_under_it(stack, lambda_context, key, meta, album):
    upload(stack["s3"], key, **meta)
    [started] = start_execution.handler(s3_event(s3_record(key)), lambda_context)["started"]
    payload = execution_input(stack["sfn"], started["executionArn"])
    owner = key.split("/")[1]
    assert (payload["userID"], payload["albumID"]) == (owner, album)
    assert payload["imageID"] == key.removeprefix("Incoming/")
    stored = item(stack["table"], payload["imageID"])
    assert stored["userID"] == owner and stored.get("albumID") == album


@pytest.mark.parametrize(
    ("meta", "cause"),
    [
        ({"userid": OTHER}, "userid metadata names another owner"),
        ({"userid": "alice"}, "userid metadata names another owner"),
        ({"albumid": f"{OTHER}/Holidays"}, "albumid metadata names another owner's album"),
        ({"albumid": OTHER}, "albumid metadata names another owner's album"),
        ({"userid": OWNER, "albumid": f"{OTHER}/x"}, "albumid metadata names another owner"),
    ],
    ids=["other-identity", "other-name", "other-album", "bare-other-identity", "mixed"],
)
def test_metadata_claiming_another_owner_is_refused(stack, lambda_context, meta, cause):
    upload(stack["s3"], KEY, **meta)
    result = start_execution.handler(s3_event(s3_record(KEY)), lambda_context)
    assert result["started"] == [] and result["skipped"] == []
    [refused] = result["refused"]
    assert (refused["s3Key"], refused["imageID"], refused["error"]) == (
        KEY,
        IMAGE_ID,
        "OwnerMismatch",
    )
    assert refused["cause"].startswith(cause)
    assert executions(stack["sfn"]) == []
    stored = item(stack["table"], IMAGE_ID)
    assert stored["processingStatus"] == "FAILED"
    assert (stored["error"], stored["cause"]) == ("OwnerMismatch", refused["cause"])
    # Recorded for the owner from the key, so the real owner sees it; never the claimed one.
    assert stored["userID"] == OWNER
    assert stored["albumID"] == f"{OWNER}/Holidays"
    assert OTHER not in json.dumps(stored, default=str)


@pytest.mark.parametrize("key", ["Incoming/photo.jpg", "Incoming//photo.jpg"])
def test_a_key_without_an_owner_folder_is_refused(stack, lambda_context, key):
    upload(stack["s3"], key, userid=OWNER)
    result = start_execution.handler(s3_event(s3_record(key)), lambda_context)
    [refused] = result["refused"]
    assert refused["error"] == "OwnerMismatch"
    assert refused["cause"] == "The key has no owner folder: it must be Incoming/<identityId>/..."
    assert executions(stack["sfn"]) == []
    stored = item(stack["table"], key.removeprefix("Incoming/"))
    assert stored["processingStatus"] == "FAILED" and "userID" not in stored


def test_a_redelivered_refusal_changes_nothing(stack, lambda_context):
    upload(stack["s3"], KEY, userid=OTHER)
    event = s3_event(s3_record(KEY))
    start_execution.handler(event, lambda_context)
    first = item(stack["table"], IMAGE_ID)
    again = start_execution.handler(event, lambda_context)
    assert again == {
        "started": [],
        "skipped": [{"s3Key": KEY, "reason": "already recorded"}],
        "refused": [],
        "removed": [],
    }
    assert item(stack["table"], IMAGE_ID) == first
    assert executions(stack["sfn"]) == []


def test_a_corrected_upload_replaces_a_refused_one(stack, lambda_context):
    upload(stack["s3"], KEY, userid=OTHER)
    bad = s3_record(KEY, etag="a" * 32, event_time="2026-11-25T12:00:00.000Z")
    start_execution.handler(s3_event(bad), lambda_context)
    upload(stack["s3"], KEY, body=b"y", userid=OWNER)
    good = s3_record(KEY, etag="b" * 32, event_time="2026-11-25T12:01:00.000Z")
    [started] = start_execution.handler(s3_event(good), lambda_context)["started"]
    stored = item(stack["table"], IMAGE_ID)
    assert stored["processingStatus"] == "RUNNING"
    assert stored["executionName"] == name_of(started["executionArn"])
    assert stored["executionArn"] == started["executionArn"]


def test_a_late_refusal_never_overwrites_a_newer_upload(stack, lambda_context):
    upload(stack["s3"], KEY)
    new = s3_record(KEY, etag="b" * 32, event_time="2026-11-25T12:05:00.000Z")
    start_execution.handler(s3_event(new), lambda_context)
    upload(stack["s3"], KEY, userid=OTHER)
    old = s3_record(KEY, etag="a" * 32, event_time="2026-11-25T12:00:00.000Z")
    late = start_execution.handler(s3_event(old), lambda_context)
    assert late["refused"] == []
    assert late["skipped"] == [{"s3Key": KEY, "reason": "superseded by a newer upload"}]
    assert item(stack["table"], IMAGE_ID)["processingStatus"] == "RUNNING"


# --------------------------------------------------------------------- versioned buckets


def test_the_execution_reads_the_version_the_event_named(versioned, table, sfn, lambda_context):
    v1 = upload(versioned, KEY, body=b"first", userid=OWNER)
    v2 = upload(versioned, KEY, body=b"second", userid=OTHER)  # swapped right after
    assert v1 and v2 and v1 != v2
    first = s3_record(KEY, etag="1" * 32, version_id=v1, event_time="2026-11-25T12:00:00.000Z")
    [started] = start_execution.handler(s3_event(first), lambda_context)["started"]
    payload = execution_input(sfn, started["executionArn"])
    assert payload["s3VersionId"] == v1
    # v1's own metadata decided: v2's (another owner) was not looked at for v1's event.
    assert payload["userID"] == OWNER
    second = s3_record(KEY, etag="2" * 32, version_id=v2, event_time="2026-11-25T12:00:01.000Z")
    result = start_execution.handler(s3_event(second), lambda_context)
    assert [r["error"] for r in result["refused"]] == ["OwnerMismatch"]


def test_a_deleted_version_is_skipped(versioned, table, sfn, lambda_context):
    version = upload(versioned, KEY)
    versioned.delete_object(Bucket=BUCKET, Key=KEY, VersionId=version)
    result = start_execution.handler(s3_event(s3_record(KEY, version_id=version)), lambda_context)
    assert result["skipped"] == [{"s3Key": KEY, "reason": "object no longer exists"}]


# -------------------------------------------------------------------------- idempotency


def test_redelivered_event_starts_nothing_and_changes_nothing(stack, lambda_context):
    upload(stack["s3"], KEY)
    event = s3_event(s3_record(KEY))
    first = start_execution.handler(event, lambda_context)
    arn = first["started"][0]["executionArn"]
    stack["table"].update_item(
        Key={"imageID": IMAGE_ID},
        UpdateExpression="SET processingStatus = :s",
        ExpressionAttributeValues={":s": "SUCCEEDED"},
    )
    second = start_execution.handler(event, lambda_context)
    assert second["started"] == []
    assert second["skipped"] == [{"s3Key": KEY, "reason": "already started", "executionArn": arn}]
    assert item(stack["table"], IMAGE_ID)["processingStatus"] == "SUCCEEDED"
    assert len(executions(stack["sfn"])) == 1


def test_crash_between_item_and_start_is_recovered_by_redelivery(stack, lambda_context):
    upload(stack["s3"], KEY)
    record = s3_record(KEY)
    name = execution_name(BUCKET, KEY, record["s3"]["object"]["eTag"])
    stack["table"].put_item(
        Item={
            "imageID": IMAGE_ID,
            "executionName": name,  # PENDING: no ARN yet, StartExecution never answered
            "processingStatus": "PENDING",
            "uploadTime": 1795608000000,
        }
    )
    result = start_execution.handler(s3_event(record), lambda_context)
    assert [s["executionArn"] for s in result["started"]] == [
        execution_arn(STATE_MACHINE_ARN, name)
    ]
    stored = item(stack["table"], IMAGE_ID)
    assert (stored["processingStatus"], stored["executionName"]) == ("RUNNING", name)
    assert stored["executionArn"] == execution_arn(STATE_MACHINE_ARN, name)


def test_execution_already_exists_is_not_a_failure(stack, lambda_context):
    upload(stack["s3"], KEY)
    record = s3_record(KEY)
    name = execution_name(BUCKET, KEY, record["s3"]["object"]["eTag"])
    arn = stack["sfn"].start_execution(stateMachineArn=STATE_MACHINE_ARN, name=name, input="{}")[
        "executionArn"
    ]
    result = start_execution.handler(s3_event(record), lambda_context)
    assert result["started"] == []
    assert result["skipped"] == [{"s3Key": KEY, "reason": "already started", "executionArn": arn}]
    # the item written by this delivery is not left PENDING, and names the STANDARD execution
    stored = item(stack["table"], IMAGE_ID)
    assert (stored["processingStatus"], stored["executionName"]) == ("RUNNING", name)
    assert stored["executionArn"] == arn


def test_newer_upload_of_same_key_wins(stack, lambda_context):
    upload(stack["s3"], KEY)
    old = s3_record(KEY, etag="old", event_time="2026-11-25T12:00:00.000Z")
    new = s3_record(KEY, etag="new", event_time="2026-11-25T12:05:00.000Z")
    start_execution.handler(s3_event(new), lambda_context)
    newer = item(stack["table"], IMAGE_ID)
    late = start_execution.handler(s3_event(old), lambda_context)  # late redelivery of v1
    assert late["started"] == []
    assert late["skipped"][0]["reason"] == "superseded by a newer upload"
    assert item(stack["table"], IMAGE_ID)["executionName"] == newer["executionName"]
    assert item(stack["table"], IMAGE_ID) == newer


def test_reupload_replaces_the_item(stack, lambda_context):
    upload(stack["s3"], KEY)
    v1 = s3_record(KEY, etag="v1", event_time="2026-11-25T12:00:00.000Z")
    v2 = s3_record(KEY, etag="v2", event_time="2026-11-25T12:05:00.000Z")
    first = start_execution.handler(s3_event(v1), lambda_context)["started"][0]
    second = start_execution.handler(s3_event(v2), lambda_context)["started"][0]
    assert first["executionArn"] != second["executionArn"]
    stored = item(stack["table"], IMAGE_ID)
    assert stored["executionName"] == name_of(second["executionArn"])
    assert stored["executionArn"] == second["executionArn"]


def test_object_deleted_before_trigger_ran_is_skipped(stack, lambda_context):
    gone = f"Incoming/{OWNER}/gone.jpg"
    result = start_execution.handler(s3_event(s3_record(gone)), lambda_context)
    assert result == {
        "started": [],
        "skipped": [{"s3Key": gone, "reason": "object no longer exists"}],
        "refused": [],
        "removed": [],
    }


def test_a_failing_record_does_not_stop_the_others_but_fails_the_event(
    stack, lambda_context, monkeypatch
):
    ok, bad = f"Incoming/{OWNER}/ok.jpg", f"Incoming/{OWNER}/bad.jpg"
    upload(stack["s3"], ok)
    upload(stack["s3"], bad)
    event = s3_event(s3_record(bad, bucket="no-such-bucket"), s3_record(ok))
    with pytest.raises(RuntimeError, match="1 record"):
        start_execution.handler(event, lambda_context)
    assert item(stack["table"], f"{OWNER}/ok.jpg")["processingStatus"] == "RUNNING"


# ---------------------------------------------------------------------- execution names


def test_execution_names_are_deterministic_and_valid():
    a = execution_name(BUCKET, "Incoming/x.jpg", "v1")
    assert a == execution_name(BUCKET, "Incoming/x.jpg", "v1")
    assert a != execution_name(BUCKET, "Incoming/x.jpg", "v2")
    assert a != execution_name("other", "Incoming/x.jpg", "v1")
    long_key = "Incoming/" + "Ünïcødé názév + spaces " * 20 + ".jpeg"
    for key in (long_key, "Incoming/日本語.jpg", "Incoming/....jpg", "Incoming/a/b/c", KEY):
        assert NAME.match(execution_name(BUCKET, key, None)), key


def test_execution_name_is_readable():
    assert execution_name(BUCKET, "Incoming/My Photo (1).JPG", "e").startswith("My-Photo-1-JPG-")


def test_same_bytes_uploaded_again_as_a_new_version_start_nothing_new(
    versioned, table, sfn, lambda_context
):
    v1 = upload(versioned, KEY)
    v2 = upload(versioned, KEY)
    first = start_execution.handler(s3_event(s3_record(KEY, version_id=v1)), lambda_context)
    second = start_execution.handler(s3_event(s3_record(KEY, version_id=v2)), lambda_context)
    assert len(first["started"]) == 1
    assert second["started"] == []
    assert second["skipped"][0]["executionArn"] == first["started"][0]["executionArn"]
    assert len(executions(sfn)) == 1


def test_new_content_under_the_same_key_starts_a_new_execution(stack, lambda_context):
    upload(stack["s3"], KEY)
    first = start_execution.handler(s3_event(s3_record(KEY, etag="a" * 32)), lambda_context)
    later = s3_record(KEY, etag="b" * 32, event_time="2026-11-25T12:00:05.000Z")
    second = start_execution.handler(s3_event(later), lambda_context)
    assert first["started"][0]["executionArn"] != second["started"][0]["executionArn"]
    stored = item(stack["table"], IMAGE_ID)
    assert stored["executionName"] == name_of(second["started"][0]["executionArn"])


def _owned_by_a_run(table, status: str) -> str:
    """The item as reprocess leaves it: the same bytes, a run-tagged execution, ``status``."""
    stored = item(table, IMAGE_ID)
    run_name = f"{stored['executionName']}-r0123abcd"
    run_arn = execution_arn(STATE_MACHINE_ARN, run_name)
    table.update_item(
        Key={"imageID": IMAGE_ID},
        UpdateExpression="SET executionName = :name, executionArn = :arn, processingStatus = :s",
        ExpressionAttributeValues={":name": run_name, ":arn": run_arn, ":s": status},
    )
    return run_arn


@pytest.mark.parametrize("status", ["SUCCEEDED", "RUNNING", "FAILED"])
def test_a_redelivered_upload_event_leaves_a_reprocessed_item_alone(stack, lambda_context, status):
    upload(stack["s3"], KEY)
    event = s3_event(s3_record(KEY))
    start_execution.handler(event, lambda_context)
    run_arn = _owned_by_a_run(stack["table"], status)

    again = start_execution.handler(event, lambda_context)

    assert again["started"] == []
    assert again["skipped"] == [
        {"s3Key": KEY, "reason": "already processed", "executionArn": run_arn}
    ]
    stored = item(stack["table"], IMAGE_ID)
    assert (stored["executionName"], stored["executionArn"]) == (name_of(run_arn), run_arn)
    assert stored["processingStatus"] == status
    assert len(executions(stack["sfn"])) == 1


def test_the_same_bytes_again_after_a_failed_run_are_the_next_attempt(stack, lambda_context):
    upload(stack["s3"], KEY)
    start_execution.handler(s3_event(s3_record(KEY)), lambda_context)
    _owned_by_a_run(stack["table"], "FAILED")

    later = s3_record(KEY, event_time="2026-11-25T13:00:00.000Z")
    [started] = start_execution.handler(s3_event(later), lambda_context)["started"]

    assert started["executionArn"].endswith("-a2")
    assert item(stack["table"], IMAGE_ID)["attempt"] == 2


# ----------------------------------------------------------- StartExecution's answer

EXPRESS = "arn:aws:states:us-east-1:123456789012:express:sm"


class _StepFunctions:
    """A stand-in Step Functions client: its answers, and the calls it got."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.calls: list[dict] = []

    def start_execution(self, **params: str) -> dict:
        self.calls.append(params)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _client_error(code: str) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": code}}, "StartExecution")


def _patch_client(monkeypatch, fake: _StepFunctions) -> None:
    monkeypatch.setattr(execution_api, "client", lambda service: fake)


def test_start_returns_the_arn_step_functions_answered(monkeypatch):
    arn = f"{EXPRESS}:photo-jpg-abc:0a1b2c3d-4e5f-4061-8a9b-0c1d2e3f4a5b"
    fake = _StepFunctions({"executionArn": arn, "startDate": "2026-11-25T12:00:00Z"})
    _patch_client(monkeypatch, fake)

    assert execution_api.start(STATE_MACHINE_ARN, "photo-jpg-abc", {"imageID": "x"}) == arn
    assert fake.calls == [
        {"stateMachineArn": STATE_MACHINE_ARN, "name": "photo-jpg-abc", "input": '{"imageID": "x"}'}
    ]


def test_start_returns_none_when_the_execution_already_exists(monkeypatch):
    _patch_client(monkeypatch, _StepFunctions(_client_error("ExecutionAlreadyExists")))
    assert execution_api.start(STATE_MACHINE_ARN, "photo-jpg-abc", {}) is None


@pytest.mark.parametrize("code", ["ExecutionLimitExceeded", "StateMachineDoesNotExist", ""])
def test_start_raises_any_other_error(monkeypatch, code):
    error = _client_error(code) if code else RuntimeError("network down")
    _patch_client(monkeypatch, _StepFunctions(error))
    with pytest.raises(type(error)):
        execution_api.start(STATE_MACHINE_ARN, "photo-jpg-abc", {})


def test_start_against_moto_answers_the_standard_arn(sfn):
    arn = execution_api.start(STATE_MACHINE_ARN, "run-1", {"imageID": "a"})
    assert arn == execution_arn(STATE_MACHINE_ARN, "run-1")
    assert sfn.describe_execution(executionArn=arn)["name"] == "run-1"
    # The same name with the same input while it runs is the same start (StartExecution is
    # idempotent then); with another input, the name is taken: None.
    assert execution_api.start(STATE_MACHINE_ARN, "run-1", {"imageID": "a"}) == arn
    assert execution_api.start(STATE_MACHINE_ARN, "run-1", {"imageID": "b"}) is None


def _express_start(monkeypatch) -> list[str]:
    """executions.start as EXPRESS answers it: a new ARN every time, a name never refused."""
    started: list[str] = []

    def start(state_machine_arn: str, name: str, payload: dict) -> str:
        assert state_machine_arn == STATE_MACHINE_ARN
        arn = f"{EXPRESS}:{name}:0a1b2c3d-0000-4000-8000-{len(started):012d}"
        started.append(arn)
        return arn

    monkeypatch.setattr(execution_api, "start", start)
    return started


def test_the_trigger_records_the_arn_start_execution_answered(stack, lambda_context, monkeypatch):
    started = _express_start(monkeypatch)
    upload(stack["s3"], KEY)
    record = s3_record(KEY)
    name = execution_name(BUCKET, KEY, record["s3"]["object"]["eTag"])

    result = start_execution.handler(s3_event(record), lambda_context)

    [arn] = started
    assert arn == f"{EXPRESS}:{name}:0a1b2c3d-0000-4000-8000-000000000000"
    assert result["started"] == [{"s3Key": KEY, "imageID": IMAGE_ID, "executionArn": arn}]
    stored = item(stack["table"], IMAGE_ID)
    assert stored["processingStatus"] == "RUNNING"
    assert (stored["executionName"], stored["executionArn"]) == (name, arn)
    assert executions(stack["sfn"]) == []  # nothing derived a STANDARD ARN and started it


def test_deliveries_while_one_starts_the_execution_start_nothing(
    stack, lambda_context, monkeypatch
):
    started = _express_start(monkeypatch)
    express_start = execution_api.start
    upload(stack["s3"], KEY)
    record = s3_record(KEY)
    during: list[dict] = []

    def start_while_redelivered(state_machine_arn: str, name: str, payload: dict) -> str:
        # Four more deliveries of the same event arrive while the first one is starting.
        during.extend(start_execution.handler(s3_event(record), lambda_context) for _ in range(4))
        return express_start(state_machine_arn, name, payload)

    monkeypatch.setattr(execution_api, "start", start_while_redelivered)
    first = start_execution.handler(s3_event(record), lambda_context)

    [arn] = started
    assert first["started"] == [{"s3Key": KEY, "imageID": IMAGE_ID, "executionArn": arn}]
    assert [result["started"] for result in during] == [[]] * 4
    assert {result["skipped"][0]["reason"] for result in during} == {
        "being started by another delivery"
    }
    stored = item(stack["table"], IMAGE_ID)
    assert (stored["processingStatus"], stored["executionArn"]) == ("RUNNING", arn)
    assert records.START_LEASE not in stored  # the lease ends with the start


def test_a_start_that_failed_gives_its_lease_back(stack, lambda_context, monkeypatch):
    started = _express_start(monkeypatch)
    express_start = execution_api.start
    upload(stack["s3"], KEY)
    record = s3_record(KEY)

    def throttled(*args: object) -> str:
        raise RuntimeError("ThrottlingException")

    monkeypatch.setattr(execution_api, "start", throttled)
    with pytest.raises(RuntimeError, match="1 record"):
        start_execution.handler(s3_event(record), lambda_context)
    pending = item(stack["table"], IMAGE_ID)
    assert pending["processingStatus"] == "PENDING" and records.START_LEASE not in pending

    # The next delivery need not wait for the failed one's lease.
    monkeypatch.setattr(execution_api, "start", express_start)
    again = start_execution.handler(s3_event(record), lambda_context)
    assert again["started"] == [{"s3Key": KEY, "imageID": IMAGE_ID, "executionArn": started[0]}]


def test_a_second_express_start_of_the_same_name_leaves_one_item(
    stack, lambda_context, monkeypatch
):
    started = _express_start(monkeypatch)
    upload(stack["s3"], KEY)
    record = s3_record(KEY)
    name = execution_name(BUCKET, KEY, record["s3"]["object"]["eTag"])
    # The first delivery started its execution, then stopped before marking RUNNING.
    original_mark_running = records.mark_running

    def stopped(*args: object) -> bool:
        raise RuntimeError("the function stopped")

    monkeypatch.setattr(records, "mark_running", stopped)
    with pytest.raises(RuntimeError, match="1 record"):
        start_execution.handler(s3_event(record), lambda_context)
    assert item(stack["table"], IMAGE_ID)["processingStatus"] == "PENDING"
    monkeypatch.setattr(records, "mark_running", original_mark_running)

    # Redelivered at once: the first delivery's lease holds, nothing starts.
    during = start_execution.handler(s3_event(record), lambda_context)
    assert during["started"] == [] and len(started) == 1
    assert during["skipped"] == [{"s3Key": KEY, "reason": "being started by another delivery"}]

    # Redelivered once the lease (the first invocation's remaining time) is over, as Lambda's
    # retry of the failed invocation is: EXPRESS refuses no name, so a second execution starts.
    later = time.time() + lambda_context.get_remaining_time_in_millis() / 1000 + 1
    monkeypatch.setattr(trigger.time, "time", lambda: later)
    again = start_execution.handler(s3_event(record), lambda_context)

    first, second = started
    assert first != second and name_of(first) == name_of(second) == name
    assert again["started"] == [{"s3Key": KEY, "imageID": IMAGE_ID, "executionArn": second}]
    stored = item(stack["table"], IMAGE_ID)
    assert (stored["processingStatus"], stored["executionName"]) == ("RUNNING", name)
    assert stored["executionArn"] == second

    # Both executions own the item by its name; each one's final write is the same write.
    results = {
        "metadata": {"imageFormat": "JPEG", "fileSize": 1},
        "tags": [{"name": "Sky", "confidence": 99.5}],
        "thumbnail": S3Location(BUCKET, f"Thumbnails/{IMAGE_ID}"),
    }
    written: list[dict] = []
    for arn in (second, first):
        outcome.store_metadata(
            TABLE, image_id=IMAGE_ID, execution_name=name, execution_arn=arn, **results
        )
        done = item(stack["table"], IMAGE_ID)
        assert (done["processingStatus"], done["executionName"]) == ("SUCCEEDED", name)
        assert done["executionArn"] == arn  # information only: the last writer's
        written.append({k: v for k, v in done.items() if k != "executionArn"})
    assert written[0] == written[1]
    assert written[0]["tags"] == [{"name": "Sky", "confidence": Decimal("99.5")}]
    # The backstop after either one's end: already terminal, nothing overwritten.
    assert not records.store_terminal(TABLE, IMAGE_ID, name, "ExecutionFailed", "x", first)
    # A late RUNNING of either changes nothing, and there is one item.
    assert records.mark_running(TABLE, IMAGE_ID, name, first) is False
    assert item(stack["table"], IMAGE_ID)["processingStatus"] == "SUCCEEDED"
    assert stack["table"].scan()["Count"] == 1


def test_same_bytes_after_a_failed_express_execution_are_the_next_attempt(
    stack, lambda_context, monkeypatch
):
    # Which bytes an item's execution ran on is told by executionName (an EXPRESS ARN ends in
    # an id, not the name).
    started = _express_start(monkeypatch)
    upload(stack["s3"], KEY)
    start_execution.handler(s3_event(s3_record(KEY)), lambda_context)
    stack["table"].update_item(
        Key={"imageID": IMAGE_ID},
        UpdateExpression="SET processingStatus = :s",
        ExpressionAttributeValues={":s": "FAILED"},
    )

    later = s3_record(KEY, event_time="2026-11-25T13:00:00.000Z")
    [again] = start_execution.handler(s3_event(later), lambda_context)["started"]

    assert len(started) == 2 and again["executionArn"] == started[1]
    stored = item(stack["table"], IMAGE_ID)
    assert stored["attempt"] == 2 and stored["executionName"].endswith("-a2")
    assert name_of(started[1]) == stored["executionName"]
