"""Step Functions execution status events reach EventBridge rules, and their targets run.

Every resource is made with admin clients on the session's emulator and removed at the end, so
other emulator tests (which expect an empty account after their destroy) are unaffected.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import LocalAws

PREFIX = "sfe-"
ACCOUNT = "123456789012"
REGION = "us-east-1"
STATUS_CHANGE = "Step Functions Execution Status Change"

HANDLERS = b"""
import json
import time


class UploadBroken(Exception):
    pass


def record(event, context):
    print("EVENT " + json.dumps(event))
    return {"recorded": True}


def slow(event, context):
    print("slow start " + event["run"])
    time.sleep(event["seconds"])
    print("slow done " + event["run"])
    if event.get("fail"):
        raise UploadBroken("failed after the stop")
    return event


def marker(event, context):
    print("MARKER " + json.dumps(event))
    return event


def broken(event, context):
    print("broken invoked " + event["detail"]["executionArn"])
    raise UploadBroken("always")
"""


def _function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{PREFIX}{name}"


def _poll(check: Callable[[], Any], timeout_s: float = 30, what: str = "") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"nothing after {timeout_s}s: {what}")


def _recorded(local_aws: LocalAws, function: str, execution_arn: str | None = None) -> list[dict]:
    lines = local_aws.function_log(f"{PREFIX}{function}").splitlines()
    events = [json.loads(line[len("EVENT ") :]) for line in lines if line.startswith("EVENT ")]
    if execution_arn is None:
        return events
    return [e for e in events if e.get("detail", {}).get("executionArn") == execution_arn]


def _messages(local_aws: LocalAws, queue_url: str) -> list[dict]:
    answer = local_aws.client("sqs").receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=10,
        WaitTimeSeconds=1,
        MessageAttributeNames=["All"],
    )
    return answer.get("Messages", [])


def _pass_then(final: dict[str, Any]) -> str:
    return json.dumps(
        {"StartAt": "Begin", "States": {"Begin": {"Type": "Pass", "Next": "End"}, "End": final}}
    )


MACHINES = {
    "fails": _pass_then({"Type": "Fail", "Error": "Upload.Rejected", "Cause": "not an image"}),
    "succeeds": _pass_then({"Type": "Succeed"}),
    "stopped": json.dumps(
        {
            "StartAt": "Slow",
            "States": {
                "Slow": {"Type": "Task", "Resource": _function_arn("slow"), "Next": "Marker"},
                "Marker": {"Type": "Task", "Resource": _function_arn("marker"), "End": True},
            },
        }
    ),
    "stopped-catch": json.dumps(
        {
            "StartAt": "Slow",
            "States": {
                "Slow": {
                    "Type": "Task",
                    "Resource": _function_arn("slow"),
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Marker"}],
                    "End": True,
                },
                "Marker": {"Type": "Task", "Resource": _function_arn("marker"), "End": True},
            },
        }
    ),
    "stopped-wait": json.dumps(
        {
            "StartAt": "Wait",
            "States": {
                "Wait": {"Type": "Wait", "Seconds": 30, "Next": "Marker"},
                "Marker": {"Type": "Task", "Resource": _function_arn("marker"), "End": True},
            },
        }
    ),
    "timeout": json.dumps(
        {
            "StartAt": "Wait",
            "TimeoutSeconds": 1,
            "States": {
                "Wait": {"Type": "Wait", "Seconds": 5, "Next": "Marker"},
                "Marker": {"Type": "Task", "Resource": _function_arn("marker"), "End": True},
            },
        }
    ),
    "broken-target": _pass_then({"Type": "Fail", "Error": "Upload.Rejected"}),
    "undeliverable": _pass_then({"Type": "Fail", "Error": "Upload.Rejected"}),
}


@pytest.fixture(scope="module")
def world(local_aws: LocalAws) -> Iterator[dict[str, Any]]:
    iam, lam, sqs = local_aws.client("iam"), local_aws.client("lambda"), local_aws.client("sqs")
    events, sfn = local_aws.client("events"), local_aws.client("stepfunctions")
    made: dict[str, Any] = {"functions": [], "machines": {}, "queues": {}, "rules": []}
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName=f"{PREFIX}role", AssumeRolePolicyDocument=json.dumps(trust))
    role_arn = role["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handlers.py", HANDLERS)
    try:
        for name, handler, timeout in [
            ("recorder", "record", 3),
            ("audit", "record", 3),
            ("unpermitted", "record", 3),
            ("slow", "slow", 10),
            ("marker", "marker", 3),
            ("broken", "broken", 3),
        ]:
            lam.create_function(
                FunctionName=f"{PREFIX}{name}",
                Runtime="python3.11",
                Role=role_arn,
                Handler=f"handlers.{handler}",
                Code={"ZipFile": package.getvalue()},
                Timeout=timeout,
            )
            made["functions"].append(f"{PREFIX}{name}")
        for name in ("observer", "on-failure", "broken-dlq", "undeliverable-dlq"):
            url = sqs.create_queue(QueueName=f"{PREFIX}{name}")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
            made["queues"][name] = {"url": url, "arn": arn["Attributes"]["QueueArn"]}
        for name, definition in MACHINES.items():
            made["machines"][name] = sfn.create_state_machine(
                name=f"{PREFIX}{name}", definition=definition, roleArn=role_arn
            )["stateMachineArn"]
        machines, queues = made["machines"], made["queues"]

        def rule(name: str, pattern: dict[str, Any], targets: list[dict[str, Any]]) -> str:
            arn = events.put_rule(Name=f"{PREFIX}{name}", EventPattern=json.dumps(pattern))
            made["rules"].append((f"{PREFIX}{name}", [t["Id"] for t in targets]))
            events.put_targets(Rule=f"{PREFIX}{name}", Targets=targets)
            return arn["RuleArn"]

        def permit(function: str, rule_arn: str) -> None:
            lam.add_permission(
                FunctionName=f"{PREFIX}{function}",
                StatementId=f"events-{uuid.uuid4().hex[:8]}",
                Action="lambda:InvokeFunction",
                Principal="events.amazonaws.com",
                SourceArn=rule_arn,
            )

        def status_pattern(statuses: list[str] | None, *names: str) -> dict[str, Any]:
            detail: dict[str, Any] = {"stateMachineArn": [machines[n] for n in names]}
            if statuses:
                detail["status"] = statuses
            return {"source": ["aws.states"], "detail-type": [STATUS_CHANGE], "detail": detail}

        retry = {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60}
        ended_badly = rule(
            "ended-badly",
            status_pattern(
                ["FAILED", "TIMED_OUT", "ABORTED"],
                "fails",
                "succeeds",
                "stopped",
                "stopped-catch",
                "stopped-wait",
                "timeout",
            ),
            [
                {
                    "Id": "recorder",
                    "Arn": _function_arn("recorder"),
                    "RetryPolicy": retry,
                    "DeadLetterConfig": {"Arn": queues["broken-dlq"]["arn"]},
                },
                {"Id": "observer", "Arn": queues["observer"]["arn"]},
            ],
        )
        permit("recorder", ended_badly)
        permit(
            "audit",
            rule(
                "everything",
                status_pattern(None, "succeeds"),
                [{"Id": "audit", "Arn": _function_arn("audit")}],
            ),
        )
        broken_rule = rule(
            "broken",
            status_pattern(["FAILED"], "broken-target"),
            [
                {
                    "Id": "broken",
                    "Arn": _function_arn("broken"),
                    "RetryPolicy": retry,
                    "DeadLetterConfig": {"Arn": queues["broken-dlq"]["arn"]},
                }
            ],
        )
        permit("broken", broken_rule)
        lam.put_function_event_invoke_config(
            FunctionName=f"{PREFIX}broken",
            MaximumRetryAttempts=1,
            DestinationConfig={"OnFailure": {"Destination": queues["on-failure"]["arn"]}},
        )
        undeliverable_dlq = {"Arn": queues["undeliverable-dlq"]["arn"]}
        made["undeliverable_rule"] = rule(
            "undeliverable",
            status_pattern(["FAILED"], "undeliverable"),
            [
                {
                    "Id": "unpermitted",
                    "Arn": _function_arn("unpermitted"),
                    "DeadLetterConfig": undeliverable_dlq,
                },
                {
                    "Id": "missing",
                    "Arn": _function_arn("missing"),
                    "DeadLetterConfig": undeliverable_dlq,
                },
            ],
        )
        permit(
            "recorder",
            rule(
                "custom",
                {"source": ["sfe.custom"]},
                [{"Id": "detail", "Arn": _function_arn("recorder"), "InputPath": "$.detail"}],
            ),
        )
        yield made
    finally:
        for name, target_ids in made["rules"]:
            with contextlib.suppress(Exception):
                events.remove_targets(Rule=name, Ids=target_ids)
            with contextlib.suppress(Exception):
                events.delete_rule(Name=name)
        for arn in made["machines"].values():
            with contextlib.suppress(Exception):
                sfn.delete_state_machine(stateMachineArn=arn)
        for queue in made["queues"].values():
            with contextlib.suppress(Exception):
                sqs.delete_queue(QueueUrl=queue["url"])
        for name in made["functions"]:
            with contextlib.suppress(Exception):
                lam.delete_function(FunctionName=name)
        iam.delete_role(RoleName=f"{PREFIX}role")


def _start(local_aws: LocalAws, world: dict[str, Any], machine: str, payload: Any) -> str:
    return local_aws.client("stepfunctions").start_execution(
        stateMachineArn=world["machines"][machine],
        name=f"run-{uuid.uuid4().hex[:12]}",
        input=json.dumps(payload),
    )["executionArn"]


def _ended(local_aws: LocalAws, arn: str, timeout_s: float = 30) -> dict[str, Any]:
    sfn = local_aws.client("stepfunctions")
    return _poll(
        lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
        timeout_s,
        f"{arn} still RUNNING",
    )


def _epoch_ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000)


def test_failed_execution_is_delivered_to_the_rules_function_and_queue(local_aws, world):
    payload = {"upload": "photos/a b+c.jpg", "size": 3}
    arn = _start(local_aws, world, "fails", payload)
    (event,) = _poll(lambda: _recorded(local_aws, "recorder", arn), what="FAILED event")
    described = _ended(local_aws, arn)

    assert event["version"] == "0"
    assert event["source"] == "aws.states"
    assert event["detail-type"] == STATUS_CHANGE
    assert (event["account"], event["region"]) == (ACCOUNT, REGION)
    assert event["resources"] == [arn]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["time"])
    assert uuid.UUID(event["id"])
    detail = event["detail"]
    assert detail["executionArn"] == arn
    assert detail["stateMachineArn"] == world["machines"]["fails"]
    assert detail["name"] == described["name"]
    assert detail["status"] == "FAILED"
    assert (detail["error"], detail["cause"]) == ("Upload.Rejected", "not an image")
    assert json.loads(detail["input"]) == payload
    assert detail["inputDetails"] == {"included": True}
    assert (detail["output"], detail["outputDetails"]) == (None, None)
    assert abs(detail["startDate"] - _epoch_ms(described["startDate"])) <= 1
    assert abs(detail["stopDate"] - _epoch_ms(described["stopDate"])) <= 1
    assert detail["startDate"] <= detail["stopDate"]

    # The rule's other target, an SQS queue, gets the same event.
    def observed() -> list[dict]:
        bodies = [
            json.loads(m["Body"]) for m in _messages(local_aws, world["queues"]["observer"]["url"])
        ]
        return [b for b in bodies if b["detail"]["executionArn"] == arn]

    assert _poll(observed, what="event on the SQS target")[0]["detail"] == detail
    assert len(_recorded(local_aws, "recorder", arn)) == 1


def test_succeeded_execution_does_not_match_a_rule_for_failures(local_aws, world):
    arn = _start(local_aws, world, "succeeds", {"upload": "ok.jpg"})
    audited = _poll(
        lambda: len(_recorded(local_aws, "audit", arn)) == 2 and _recorded(local_aws, "audit", arn),
        what="RUNNING and SUCCEEDED events on the catch-all rule",
    )
    by_status = {e["detail"]["status"]: e["detail"] for e in audited}
    assert set(by_status) == {"RUNNING", "SUCCEEDED"}
    assert by_status["RUNNING"]["stopDate"] is None
    assert json.loads(by_status["SUCCEEDED"]["output"]) == {"upload": "ok.jpg"}
    assert by_status["SUCCEEDED"]["outputDetails"] == {"included": True}
    assert by_status["SUCCEEDED"]["error"] is None
    time.sleep(1.5)  # both rules saw the event at once: give the other target time to run
    assert _recorded(local_aws, "recorder", arn) == []


def _stop_mid_task(local_aws, world, machine: str, fail: bool) -> tuple[str, dict]:
    run = uuid.uuid4().hex
    arn = _start(local_aws, world, machine, {"run": run, "seconds": 4, "fail": fail})
    sfn = local_aws.client("stepfunctions")
    _poll(
        lambda: any(
            e["type"] == "LambdaFunctionStarted"
            for e in sfn.get_execution_history(executionArn=arn)["events"]
        ),
        what="the slow Task running",
    )
    stopped = sfn.stop_execution(executionArn=arn, error="Upload.Cancelled", cause="by the user")
    described = sfn.describe_execution(executionArn=arn)
    assert described["status"] == "ABORTED"  # at once, though the Task's Lambda still runs
    assert (described["error"], described["cause"]) == ("Upload.Cancelled", "by the user")
    assert described["stopDate"] == stopped["stopDate"]
    # A function's log is written when its invocation ends: this one is still running.
    assert f"slow done {run}" not in local_aws.function_log(f"{PREFIX}slow")

    (event,) = _poll(lambda: _recorded(local_aws, "recorder", arn), what="ABORTED event")
    assert event["detail"]["status"] == "ABORTED"
    assert (event["detail"]["error"], event["detail"]["cause"]) == (
        "Upload.Cancelled",
        "by the user",
    )
    assert event["detail"]["stopDate"] == _epoch_ms(stopped["stopDate"])

    # Once the Task's function has returned, nothing moves on and nothing changes.
    _poll(lambda: f"slow done {run}" in local_aws.function_log(f"{PREFIX}slow"), what="slow end")
    history = _poll(
        lambda: (
            (h := sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"])[-1][
                "type"
            ]
            == "ExecutionAborted"
            and h
        ),
        what="the interpreter to finish",
    )
    time.sleep(1)
    assert run not in local_aws.function_log(f"{PREFIX}marker")
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]
    assert entered == ["Slow"]
    again = sfn.describe_execution(executionArn=arn)
    fields = ("status", "stopDate", "error", "cause")
    assert [again[f] for f in fields] == [described[f] for f in fields]
    assert len(_recorded(local_aws, "recorder", arn)) == 1
    return arn, described


def test_stopped_execution_runs_no_later_state(local_aws, world):
    _stop_mid_task(local_aws, world, "stopped", fail=False)


def test_stopped_execution_stays_aborted_when_its_task_then_fails_into_a_catch(local_aws, world):
    _stop_mid_task(local_aws, world, "stopped-catch", fail=True)


def test_stopped_wait_ends_at_once(local_aws, world):
    arn = _start(local_aws, world, "stopped-wait", {"run": uuid.uuid4().hex})
    sfn = local_aws.client("stepfunctions")
    _poll(
        lambda: any(
            e["type"] == "WaitStateEntered"
            for e in sfn.get_execution_history(executionArn=arn)["events"]
        ),
        what="the Wait state",
    )
    started = time.monotonic()
    sfn.stop_execution(executionArn=arn)
    described = sfn.describe_execution(executionArn=arn)
    assert described["status"] == "ABORTED"
    assert "error" not in described and "cause" not in described
    (event,) = _poll(lambda: _recorded(local_aws, "recorder", arn), what="ABORTED event")
    assert (event["detail"]["error"], event["detail"]["cause"]) == (None, None)
    types = _poll(
        lambda: (
            (t := [e["type"] for e in sfn.get_execution_history(executionArn=arn)["events"]])[-1]
            == "ExecutionAborted"
            and t
        ),
        timeout_s=5,
        what="the Wait to be cut short",
    )
    assert time.monotonic() - started < 5
    assert "TaskStateEntered" not in types


def test_execution_past_its_timeout_seconds_times_out(local_aws, world):
    started = time.monotonic()
    arn = _start(local_aws, world, "timeout", {"upload": "slow.jpg"})
    described = _ended(local_aws, arn, timeout_s=10)
    assert time.monotonic() - started < 4, "TimeoutSeconds 1 did not end a Wait of 5 s"
    assert described["status"] == "TIMED_OUT"
    assert described["error"] == "States.Timeout"
    assert described["stopDate"] >= described["startDate"]
    listed = local_aws.client("stepfunctions").list_executions(
        stateMachineArn=world["machines"]["timeout"]
    )["executions"]
    assert [e["stopDate"] for e in listed if e["executionArn"] == arn] == [described["stopDate"]]

    (event,) = _poll(lambda: _recorded(local_aws, "recorder", arn), what="TIMED_OUT event")
    detail = event["detail"]
    assert (detail["status"], detail["error"]) == ("TIMED_OUT", "States.Timeout")
    assert 900 <= detail["stopDate"] - detail["startDate"] < 4000
    assert json.loads(detail["input"]) == {"upload": "slow.jpg"}
    history = local_aws.client("stepfunctions").get_execution_history(executionArn=arn)["events"]
    assert "TaskStateEntered" not in [e["type"] for e in history]


def test_function_errors_are_retried_by_lambda_then_sent_to_its_on_failure_destination(
    local_aws, world
):
    """EventBridge hands the event to Lambda asynchronously: the target's RetryPolicy and
    dead-letter queue cover delivery only, and a function error is Lambda's to retry (here
    MaximumRetryAttempts 1) before its on-failure destination gets the event."""
    arn = _start(local_aws, world, "broken-target", {"upload": "x.jpg"})
    queue = world["queues"]["on-failure"]["url"]
    (message,) = _poll(lambda: _messages(local_aws, queue), what="the on-failure record")
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestContext"]["functionArn"] == f"{_function_arn('broken')}:$LATEST"
    assert record["requestPayload"]["detail"]["executionArn"] == arn
    assert record["requestPayload"]["detail"]["status"] == "FAILED"
    assert record["responsePayload"]["errorType"] == "UploadBroken"
    assert local_aws.function_log(f"{PREFIX}broken").count(f"broken invoked {arn}") == 2
    assert _messages(local_aws, world["queues"]["broken-dlq"]["url"]) == []


def test_undeliverable_events_go_to_the_targets_dead_letter_queue(local_aws, world):
    arn = _start(local_aws, world, "undeliverable", {"upload": "y.jpg"})
    queue = world["queues"]["undeliverable-dlq"]["url"]
    found: list[dict] = []

    def both() -> bool:
        found.extend(_messages(local_aws, queue))
        return len(found) >= 2

    _poll(both, what="two dead-lettered events")
    by_target = {}
    for message in found:
        attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
        assert json.loads(message["Body"])["detail"]["executionArn"] == arn
        assert attributes["RULE_ARN"] == world["undeliverable_rule"]
        by_target[attributes["TARGET_ARN"]] = attributes
    unpermitted, missing = (
        by_target[_function_arn("unpermitted")],
        by_target[_function_arn("missing")],
    )
    assert unpermitted["ERROR_CODE"] == "NO_PERMISSIONS"
    assert "events.amazonaws.com" in unpermitted["ERROR_MESSAGE"]
    assert missing["ERROR_CODE"] == "NO_RESOURCE"
    assert missing["ERROR_MESSAGE"] == f"Function not found: {_function_arn('missing')}"
    assert unpermitted["RETRY_ATTEMPTS"] == missing["RETRY_ATTEMPTS"] == "0"
    assert _recorded(local_aws, "unpermitted") == []


def test_put_events_reaches_a_lambda_target_with_its_input_path(local_aws, world):
    marker = uuid.uuid4().hex
    answer = local_aws.client("events").put_events(
        Entries=[
            {"Source": "sfe.custom", "DetailType": "test", "Detail": json.dumps({"marker": marker})}
        ]
    )
    assert answer["FailedEntryCount"] == 0
    assert _poll(
        lambda: [e for e in _recorded(local_aws, "recorder") if e == {"marker": marker}],
        what="the event's detail",
    ) == [{"marker": marker}]
