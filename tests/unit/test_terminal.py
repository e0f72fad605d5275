"""Every upload ends in a visible terminal state: the backstop recorder (record_terminal), the
dead-letter queue consumer (start_execution given an SQS batch) and attempt naming."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any
from unittest import mock

import pytest
from image_pipeline import executions as sfn_calls
from image_pipeline import outcome, records
from image_pipeline.executions import execution_arn, execution_name, name_of
from image_pipeline.handlers import record_terminal, start_execution

from .conftest import BUCKET, OWNER, STATE_MACHINE_ARN, s3_event, s3_record

KEY = f"Incoming/{OWNER}/Holidays/photo.jpg"
IMAGE_ID = KEY.removeprefix("Incoming/")
OTHER_MACHINE = STATE_MACHINE_ARN.replace(":image-pipeline", ":someone-elses")


def item(table, image_id: str = IMAGE_ID) -> dict | None:
    return table.get_item(Key={"imageID": image_id}, ConsistentRead=True).get("Item")


def executions(sfn) -> list[dict]:
    return sfn.list_executions(stateMachineArn=STATE_MACHINE_ARN)["executions"]


def put_item(table, status: str, arn: str | None, name: str | None = None, **extra: Any) -> None:
    """The item owned by the execution ``name`` (``arn``'s name by default); ``arn`` recorded
    as mark_running records it (None: not recorded, as while PENDING)."""
    owned = {
        "imageID": IMAGE_ID,
        "s3key": KEY,
        "processingStatus": status,
        "executionName": name or name_of(str(arn)),
    }
    if arn is not None:
        owned["executionArn"] = arn
    table.put_item(Item=owned | extra)


def status_event(status: str, arn: str, machine: str = STATE_MACHINE_ARN, **detail: Any) -> dict:
    return {
        "version": "0",
        "source": "aws.states",
        "detail-type": "Step Functions Execution Status Change",
        "detail": {
            "executionArn": arn,
            "stateMachineArn": machine,
            "status": status,
            "input": json.dumps({"imageID": IMAGE_ID, "s3Key": KEY}),
            **detail,
        },
    }


ARN = execution_arn(STATE_MACHINE_ARN, "photo-jpg-0123")


# ------------------------------------------------------------------ the backstop recorder


@pytest.mark.parametrize(
    ("status", "detail", "error", "cause"),
    [
        ("ABORTED", {}, "ExecutionAborted", "The execution was stopped before it finished."),
        ("TIMED_OUT", {}, "ExecutionTimedOut", "The execution ran longer than its time limit."),
        (
            "FAILED",
            {"error": "States.Runtime", "cause": "An error occurred while executing the state"},
            "States.Runtime",
            "An error occurred while executing the state",
        ),
        ("FAILED", {}, "ExecutionFailed", "The execution failed."),
    ],
)
@pytest.mark.parametrize("before", ["PENDING", "RUNNING"])
def test_backstop_records_an_execution_that_ended_badly(
    table, lambda_context, status, detail, error, cause, before
):
    put_item(table, before, ARN if before == "RUNNING" else None, name="photo-jpg-0123")
    result = record_terminal.handler(status_event(status, ARN, **detail), lambda_context)
    assert result["recorded"] is True
    stored = item(table)
    assert (stored["processingStatus"], stored["error"], stored["cause"]) == (
        "FAILED",
        error,
        cause,
    )
    # Owned by the name in the event's ARN; that ARN recorded by this last write.
    assert (stored["executionName"], stored["executionArn"]) == ("photo-jpg-0123", ARN)


@pytest.mark.parametrize("terminal", ["SUCCEEDED", "FAILED"])
def test_backstop_never_overwrites_a_terminal_item(table, lambda_context, terminal):
    put_item(table, terminal, ARN, error="ImageTooLarge", cause="big")
    result = record_terminal.handler(status_event("ABORTED", ARN), lambda_context)
    assert result["recorded"] is False
    stored = item(table)
    assert stored["processingStatus"] == terminal and stored["error"] == "ImageTooLarge"


def test_backstop_leaves_an_item_another_execution_owns(table, lambda_context):
    newer = execution_arn(STATE_MACHINE_ARN, "photo-jpg-newer")
    put_item(table, "RUNNING", newer)
    result = record_terminal.handler(status_event("TIMED_OUT", ARN), lambda_context)
    assert result["recorded"] is False
    stored = item(table)
    assert stored["processingStatus"] == "RUNNING"
    assert (stored["executionName"], stored["executionArn"]) == ("photo-jpg-newer", newer)


def test_backstop_owns_by_the_name_not_the_recorded_arn(table, lambda_context):
    # The recorded ARN is information only: it names no owner. An item whose ARN is this
    # execution's but whose name is another's is left alone.
    put_item(table, "RUNNING", ARN, name="photo-jpg-newer")
    result = record_terminal.handler(status_event("ABORTED", ARN), lambda_context)
    assert result["recorded"] is False
    assert item(table)["processingStatus"] == "RUNNING"


def test_backstop_ignores_other_state_machines_and_statuses(table, lambda_context):
    put_item(table, "RUNNING", ARN)
    other = record_terminal.handler(status_event("ABORTED", ARN, OTHER_MACHINE), lambda_context)
    done = record_terminal.handler(status_event("SUCCEEDED", ARN), lambda_context)
    assert other["recorded"] is False and done["recorded"] is False
    assert item(table)["processingStatus"] == "RUNNING"


def test_backstop_for_an_absent_item_writes_nothing(table, lambda_context):
    result = record_terminal.handler(status_event("ABORTED", ARN), lambda_context)
    assert result["recorded"] is False and item(table) is None


# ------------------------------------------------- the EXPRESS backstop: the log group

EXPRESS_ARN = (
    STATE_MACHINE_ARN.replace(":stateMachine:", ":express:") + ":photo-jpg-0123:0a1b2c3d-0000"
)


def log_event(*records: dict) -> dict:
    """A CloudWatch Logs subscription event of the state machine's log group."""
    batch = {
        "messageType": "DATA_MESSAGE",
        "logGroup": "/aws/vendedlogs/states/image-pipeline",
        "logEvents": [
            {"id": str(n), "timestamp": 0, "message": json.dumps(record)}
            for n, record in enumerate(records)
        ],
    }
    data = base64.b64encode(gzip.compress(json.dumps(batch).encode())).decode()
    return {"awslogs": {"data": data}}


def lagging_index(monkeypatch, answers: list[list[str]]) -> list[float]:
    """records.owned_by answering ``answers`` in turn (then the last one), as an index that
    shows the item late; the waits between the questions are returned."""
    waits: list[float] = []
    monkeypatch.setattr(outcome.time, "sleep", waits.append)
    monkeypatch.setattr(
        records,
        "owned_by",
        lambda table, index, name: answers.pop(0) if len(answers) > 1 else answers[0],
    )
    return waits


def test_logged_ending_records_the_item_the_index_shows_late(table, lambda_context, monkeypatch):
    put_item(table, "RUNNING", EXPRESS_ARN)
    waits = lagging_index(monkeypatch, [[], [], [IMAGE_ID]])
    ended = {
        "type": "ExecutionFailed",
        "execution_arn": EXPRESS_ARN,
        "details": {"error": "States.Runtime", "cause": "The recorder failed too"},
    }
    succeeded = {"type": "ExecutionSucceeded", "execution_arn": EXPRESS_ARN, "details": {}}

    [result] = record_terminal.handler(log_event(succeeded, ended), lambda_context)

    assert result["recorded"] is True and waits == list(outcome.INDEX_LAG_WAITS[:2])
    stored = item(table)
    assert (stored["processingStatus"], stored["error"], stored["cause"]) == (
        "FAILED",
        "States.Runtime",
        "The recorder failed too",
    )


def test_logged_ending_no_item_names_records_nothing(table, lambda_context, monkeypatch):
    waits = lagging_index(monkeypatch, [[]])
    ended = {"type": "ExecutionAborted", "execution_arn": EXPRESS_ARN, "details": {}}
    assert record_terminal.handler(log_event(ended), lambda_context) == []
    assert waits == list(outcome.INDEX_LAG_WAITS) and item(table) is None


# ------------------------------------------------------------- the dead-letter consumer


def dead_letter(message_id: str, s3: dict | None, message: str = "boom") -> dict:
    body = {
        "version": "1.0",
        "requestContext": {
            "requestId": "r-1",
            "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:x:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": s3,
        "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": message, "errorType": "StartFailed"},
    }
    return {
        "messageId": message_id,
        "receiptHandle": "h",
        "body": json.dumps(body),
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:dlq",
    }


def sqs_batch(*records: dict) -> dict:
    return {"Records": list(records)}


def test_redrive_starts_the_object_again(stack, lambda_context):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"x")
    batch = sqs_batch(dead_letter("m1", s3_event(s3_record(KEY)), "throttled"))
    assert start_execution.handler(batch, lambda_context) == {"batchItemFailures": []}
    [run] = executions(stack["sfn"])
    assert item(stack["table"])["processingStatus"] == "RUNNING"
    assert item(stack["table"])["executionName"] == run["name"]
    assert item(stack["table"])["executionArn"] == run["executionArn"]
    # Redriven again (the message delivered twice): still one execution.
    start_execution.handler(batch, lambda_context)
    assert len(executions(stack["sfn"])) == 1


def test_redrive_that_fails_again_ends_start_failed(stack, lambda_context):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"x")
    batch = sqs_batch(dead_letter("m1", s3_event(s3_record(KEY)), "Rate exceeded"))
    with mock.patch.object(sfn_calls, "start", side_effect=RuntimeError("states down")):
        assert start_execution.handler(batch, lambda_context) == {"batchItemFailures": []}
    stored = item(stack["table"])
    assert stored["processingStatus"] == "FAILED" and stored["error"] == "StartFailed"
    assert "Rate exceeded" in stored["cause"] and "states down" in stored["cause"]
    assert stored["userID"] == OWNER and stored["s3key"] == KEY
    assert executions(stack["sfn"]) == []


def test_redrive_of_an_object_never_written_puts_it_failed(stack, lambda_context):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"x")
    batch = sqs_batch(dead_letter("m1", s3_event(s3_record(KEY))))
    with mock.patch("image_pipeline.trigger._user_metadata", side_effect=RuntimeError("s3 down")):
        start_execution.handler(batch, lambda_context)
    stored = item(stack["table"])
    assert stored["processingStatus"] == "FAILED" and stored["error"] == "StartFailed"
    assert stored["executionName"] == execution_name(
        BUCKET, KEY, "0123456789abcdef0123456789abcdef"
    )
    assert "executionArn" not in stored  # never started: no ARN


def test_start_failed_never_overwrites_a_started_item(stack, lambda_context):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"x")
    start_execution.handler(s3_event(s3_record(KEY)), lambda_context)
    batch = sqs_batch(dead_letter("m1", s3_event(s3_record(KEY))))
    with mock.patch("image_pipeline.trigger._user_metadata", side_effect=RuntimeError("s3 down")):
        start_execution.handler(batch, lambda_context)
    assert item(stack["table"])["processingStatus"] == "RUNNING"


def test_one_bad_message_does_not_block_the_others(stack, lambda_context):
    stack["s3"].put_object(Bucket=BUCKET, Key=KEY, Body=b"x")
    other_key = f"Incoming/{OWNER}/Holidays/other.jpg"
    stack["s3"].put_object(Bucket=BUCKET, Key=other_key, Body=b"y")
    garbage = dead_letter("m0", None) | {"body": "not json"}
    failing = dead_letter("m1", s3_event(s3_record(other_key)))
    good = dead_letter("m2", s3_event(s3_record(KEY)))

    def start(arn: str, name: str, payload: dict) -> str | None:
        if payload["s3Key"] == other_key:
            raise RuntimeError("states down")
        return real_start(arn, name, payload)

    real_start = sfn_calls.start
    with (
        mock.patch.object(sfn_calls, "start", side_effect=start),
        mock.patch("image_pipeline.records.fail_pending", side_effect=RuntimeError("ddb down")),
    ):
        response = start_execution.handler(sqs_batch(garbage, failing, good), lambda_context)
    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert item(stack["table"])["processingStatus"] == "RUNNING"


# ------------------------------------------------------------------------ attempt naming


def mark(table, status: str) -> None:
    table.update_item(
        Key={"imageID": IMAGE_ID},
        UpdateExpression="SET processingStatus = :s",
        ExpressionAttributeValues={":s": status},
    )


def test_same_bytes_after_failure_start_a_new_attempt(stack, lambda_context):
    s3, table, sfn = stack["s3"], stack["table"], stack["sfn"]
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"x")
    first = start_execution.handler(s3_event(s3_record(KEY)), lambda_context)
    arn1 = first["started"][0]["executionArn"]
    assert item(table)["attempt"] == 1
    mark(table, "FAILED")

    again = s3_event(s3_record(KEY, event_time="2026-11-25T12:05:00.000Z"))
    second = start_execution.handler(again, lambda_context)
    [started] = second["started"]
    arn2 = started["executionArn"]
    assert arn2 != arn1 and arn2.endswith("-a2") and len(arn2.rsplit(":", 1)[1]) <= 80
    stored = item(table)
    assert (stored["attempt"], stored["executionName"], stored["processingStatus"]) == (
        2,
        name_of(arn2),
        "RUNNING",
    )
    assert stored["executionArn"] == arn2
    assert len(executions(sfn)) == 2
    # The first event delivered again changes nothing, and starts no third run.
    start_execution.handler(s3_event(s3_record(KEY)), lambda_context)
    assert item(table)["executionName"] == name_of(arn2) and len(executions(sfn)) == 2


def test_same_bytes_after_success_start_nothing(stack, lambda_context):
    s3, table, sfn = stack["s3"], stack["table"], stack["sfn"]
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"x")
    start_execution.handler(s3_event(s3_record(KEY)), lambda_context)
    mark(table, "SUCCEEDED")
    again = s3_event(s3_record(KEY, event_time="2026-11-25T12:05:00.000Z"))
    result = start_execution.handler(again, lambda_context)
    assert result["started"] == [] and result["skipped"][0]["reason"] == "already started"
    assert item(table)["processingStatus"] == "SUCCEEDED" and len(executions(sfn)) == 1


def test_a_failed_attempt_replayed_five_times_starts_one_execution(stack, lambda_context):
    s3, table, sfn = stack["s3"], stack["table"], stack["sfn"]
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"x")
    start_execution.handler(s3_event(s3_record(KEY)), lambda_context)
    mark(table, "FAILED")
    again = s3_event(s3_record(KEY, event_time="2026-11-25T12:05:00.000Z"))
    for _ in range(5):
        start_execution.handler(again, lambda_context)
    assert len(executions(sfn)) == 2
    assert item(table)["attempt"] == 2


def test_attempt_names_are_distinct_and_bounded():
    long_key = "Incoming/o/" + "x" * 200 + ".jpg"
    names = {execution_name(BUCKET, long_key, "e", attempt) for attempt in (1, 2, 10, 100)}
    assert len(names) == 4 and all(len(n) <= 80 for n in names)
    assert execution_name(BUCKET, KEY, "e") == execution_name(BUCKET, KEY, "e", 1)
