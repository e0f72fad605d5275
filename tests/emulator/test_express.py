"""EXPRESS state machines run as AWS runs them (tools/local_aws/express.py): express: ARNs that
are also $$.Execution.Id, no name deduplication, the execution APIs refused, no EventBridge
status events, and the history in CloudWatch Logs at the configured level, whose subscription
filters hand the matching records to a Lambda function.

Every resource is made with admin clients on the session's emulator and removed at the end.
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
from botocore.exceptions import ClientError

from tests.conftest import LocalAws

PREFIX = "xpr-"
ACCOUNT = "123456789012"
REGION = "us-east-1"
STATUS_CHANGE = "Step Functions Execution Status Change"
TERMINAL = (
    '{ $.type = "ExecutionTimedOut" || $.type = "ExecutionFailed" || $.type = "ExecutionAborted" }'
)

HANDLERS = b"""
import base64
import gzip
import json


class PhotoBroken(Exception):
    pass


def record(event, context):
    print("EVENT " + json.dumps(event))
    return {"recorded": True}


def logs(event, context):
    data = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    print("LOGS " + json.dumps(data))
    return {"records": len(data["logEvents"])}


def broken(event, context):
    raise PhotoBroken("cannot read " + event.get("key", "?"))
"""


def _function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{PREFIX}{name}"


def _poll(check: Callable[[], Any], timeout_s: float = 20, what: str = "") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"nothing after {timeout_s}s: {what}")


def _group_arn(name: str) -> str:
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*"


def _logging(group: str, level: str, data: bool) -> dict[str, Any]:
    return {
        "level": level,
        "includeExecutionData": data,
        "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": _group_arn(group)}}],
    }


CONTEXT = {
    "StartAt": "Context",
    "States": {
        "Context": {
            "Type": "Pass",
            "Parameters": {"id.$": "$$.Execution.Id", "name.$": "$$.Execution.Name", "in.$": "$"},
            "End": True,
        }
    },
}
CAUGHT_THEN_FAILS = {
    "StartAt": "Read",
    "States": {
        "Read": {
            "Type": "Task",
            "Resource": _function_arn("broken"),
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Give up"}],
            "End": True,
        },
        "Give up": {"Type": "Fail", "Error": "Photo.Unreadable", "Cause": "see the Task"},
    },
}
FAILS_OR_SUCCEEDS = {
    "StartAt": "Which",
    "States": {
        "Which": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.fail", "BooleanEquals": True, "Next": "Fail"}],
            "Default": "Done",
        },
        "Fail": {"Type": "Fail", "Error": "Photo.Rejected", "Cause": "not a photo"},
        "Done": {"Type": "Succeed"},
    },
}
# name -> (definition, logging level or None, includeExecutionData)
MACHINES: dict[str, tuple[dict[str, Any], str | None, bool]] = {
    "all": (CONTEXT, "ALL", True),
    "all-no-data": (CONTEXT, "ALL", False),
    "error": (CAUGHT_THEN_FAILS, "ERROR", False),
    "fatal": (CAUGHT_THEN_FAILS, "FATAL", True),
    "off": (CONTEXT, "OFF", False),
    "subscribed": (FAILS_OR_SUCCEEDS, "ALL", False),
}


@pytest.fixture(scope="module")
def world(local_aws: LocalAws) -> Iterator[dict[str, Any]]:
    iam, lam, logs = local_aws.client("iam"), local_aws.client("lambda"), local_aws.client("logs")
    events, sfn = local_aws.client("events"), local_aws.client("stepfunctions")
    made: dict[str, Any] = {"functions": [], "machines": {}, "groups": {}, "rules": []}
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
    role_arn = iam.create_role(
        RoleName=f"{PREFIX}role", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    made["role"] = role_arn
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handlers.py", HANDLERS)
    try:
        for name, handler in [("recorder", "record"), ("logs", "logs"), ("broken", "broken")]:
            lam.create_function(
                FunctionName=f"{PREFIX}{name}",
                Runtime="python3.11",
                Role=role_arn,
                Handler=f"handlers.{handler}",
                Code={"ZipFile": package.getvalue()},
                Timeout=5,
            )
            made["functions"].append(f"{PREFIX}{name}")
        for name, (definition, level, data) in MACHINES.items():
            group = f"/aws/vendedlogs/states/{PREFIX}{name}-{uuid.uuid4().hex[:6]}"
            logs.create_log_group(logGroupName=group)
            made["groups"][name] = group
            made["machines"][name] = sfn.create_state_machine(
                name=f"{PREFIX}{name}",
                definition=json.dumps(definition),
                roleArn=role_arn,
                type="EXPRESS",
                loggingConfiguration=_logging(group, level or "OFF", data),
            )["stateMachineArn"]
        made["machines"]["standard"] = sfn.create_state_machine(
            name=f"{PREFIX}standard", definition=json.dumps(CONTEXT), roleArn=role_arn
        )["stateMachineArn"]
        lam.add_permission(
            FunctionName=f"{PREFIX}logs",
            StatementId="logs",
            Action="lambda:InvokeFunction",
            Principal="logs.amazonaws.com",
            SourceArn=_group_arn(made["groups"]["subscribed"]),
            SourceAccount=ACCOUNT,
        )
        logs.put_subscription_filter(
            logGroupName=made["groups"]["subscribed"],
            filterName="terminal-failures",
            filterPattern=TERMINAL,
            destinationArn=_function_arn("logs"),
        )
        rule = events.put_rule(
            Name=f"{PREFIX}status",
            EventPattern=json.dumps(
                {
                    "source": ["aws.states"],
                    "detail-type": [STATUS_CHANGE],
                    "detail": {
                        "stateMachineArn": [made["machines"][n] for n in ("all", "standard")]
                    },
                }
            ),
        )["RuleArn"]
        made["rules"].append(f"{PREFIX}status")
        events.put_targets(
            Rule=f"{PREFIX}status", Targets=[{"Id": "recorder", "Arn": _function_arn("recorder")}]
        )
        lam.add_permission(
            FunctionName=f"{PREFIX}recorder",
            StatementId="events",
            Action="lambda:InvokeFunction",
            Principal="events.amazonaws.com",
            SourceArn=rule,
        )
        yield made
    finally:
        for rule_name in made["rules"]:
            with contextlib.suppress(ClientError):
                events.remove_targets(Rule=rule_name, Ids=["recorder"])
                events.delete_rule(Name=rule_name)
        for arn in made["machines"].values():
            with contextlib.suppress(ClientError):
                sfn.delete_state_machine(stateMachineArn=arn)
        for group in made["groups"].values():
            with contextlib.suppress(ClientError):
                logs.delete_log_group(logGroupName=group)
        for function in made["functions"]:
            with contextlib.suppress(ClientError):
                lam.delete_function(FunctionName=function)
        with contextlib.suppress(ClientError):
            iam.delete_role(RoleName=f"{PREFIX}role")


def _start(local_aws: LocalAws, world: dict, machine: str, payload: Any, **kwargs: Any) -> str:
    return local_aws.client("stepfunctions").start_execution(
        stateMachineArn=world["machines"][machine], input=json.dumps(payload), **kwargs
    )["executionArn"]


def _records(local_aws: LocalAws, world: dict, machine: str, arn: str) -> list[dict[str, Any]]:
    """The execution's log records, from its own stream, in id order."""
    logs = local_aws.client("logs")
    group = world["groups"][machine]
    found = []
    for stream in logs.describe_log_streams(logGroupName=group)["logStreams"]:
        for event in logs.get_log_events(
            logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True
        )["events"]:
            record = json.loads(event["message"])
            if record["execution_arn"] == arn:
                found.append(
                    {**record, "_stream": stream["logStreamName"], "_ts": event["timestamp"]}
                )
    return sorted(found, key=lambda r: int(r["id"]))


def _ended(local_aws: LocalAws, world: dict, machine: str, arn: str) -> list[dict[str, Any]]:
    return _poll(
        lambda: (
            (r := _records(local_aws, world, machine, arn))
            and r[-1]["type"].startswith("Execution")
            and r[-1]["type"] != "ExecutionStarted"
            and r
        ),
        what=f"the end of {arn} in its log group",
    )


def test_start_execution_gives_an_express_arn_that_is_the_context_execution_id(local_aws, world):
    name = f"photo-{uuid.uuid4().hex[:8]}"
    arn = _start(local_aws, world, "all", {"key": "a.jpg"}, name=name)
    assert re.fullmatch(
        rf"arn:aws:states:{REGION}:{ACCOUNT}:express:{PREFIX}all:{name}:[0-9a-f-]{{36}}", arn
    ), arn
    records = _ended(local_aws, world, "all", arn)
    assert records[-1]["type"] == "ExecutionSucceeded"
    output = json.loads(records[-1]["details"]["output"])
    assert output == {"id": arn, "name": name, "in": {"key": "a.jpg"}}


def test_express_names_are_not_deduplicated(local_aws, world):
    name = f"twice-{uuid.uuid4().hex[:8]}"
    first = _start(local_aws, world, "all", {"n": 1}, name=name)
    second = _start(local_aws, world, "all", {"n": 1}, name=name)  # no ExecutionAlreadyExists
    assert first != second
    assert first.rsplit(":", 1)[0] == second.rsplit(":", 1)[0]
    for arn in (first, second):
        assert _ended(local_aws, world, "all", arn)[-1]["type"] == "ExecutionSucceeded"


@pytest.mark.parametrize(
    "call",
    [
        lambda sfn, arn: sfn.describe_execution(executionArn=arn),
        lambda sfn, arn: sfn.get_execution_history(executionArn=arn),
        lambda sfn, arn: sfn.stop_execution(executionArn=arn),
    ],
    ids=["DescribeExecution", "GetExecutionHistory", "StopExecution"],
)
def test_execution_apis_refuse_an_express_arn(local_aws, world, call):
    arn = _start(local_aws, world, "all", {})
    with pytest.raises(ClientError) as refused:
        call(local_aws.client("stepfunctions"), arn)
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidArn"
    assert error["Message"] == "Invalid Arn: 'Resource type not valid in this context: express'"


def test_list_executions_refuses_an_express_machine(local_aws, world):
    sfn = local_aws.client("stepfunctions")
    with pytest.raises(ClientError) as refused:
        sfn.list_executions(stateMachineArn=world["machines"]["all"])
    assert refused.value.response["Error"] == {
        "Code": "StateMachineTypeNotSupported",
        "Message": "This operation is not supported by this type of state machine",
    }
    standard = _start(local_aws, world, "standard", {})
    listed = sfn.list_executions(stateMachineArn=world["machines"]["standard"])["executions"]
    assert standard in [e["executionArn"] for e in listed]


def test_no_status_change_events_for_express_executions(local_aws, world):
    express = _start(local_aws, world, "all", {})
    standard = _start(local_aws, world, "standard", {})

    def recorded(arn: str) -> list[dict]:
        lines = local_aws.function_log(f"{PREFIX}recorder").splitlines()
        events = [json.loads(line[len("EVENT ") :]) for line in lines if line.startswith("EVENT ")]
        return [e for e in events if e["detail"]["executionArn"] == arn]

    _poll(
        lambda: {e["detail"]["status"] for e in recorded(standard)} == {"RUNNING", "SUCCEEDED"},
        what="the Standard execution's RUNNING and SUCCEEDED events",
    )
    assert _ended(local_aws, world, "all", express)[-1]["type"] == "ExecutionSucceeded"
    time.sleep(0.5)
    assert recorded(express) == []


def test_level_all_logs_every_event_in_awss_record_format(local_aws, world):
    arn = _start(local_aws, world, "all", {"key": "b.jpg"})
    records = _ended(local_aws, world, "all", arn)
    assert [r["type"] for r in records] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    started = records[0]
    assert [k for k in started if not k.startswith("_")] == [
        "id",
        "type",
        "details",
        "previous_event_id",
        "event_timestamp",
        "execution_arn",
        "redrive_count",
    ]
    assert (started["id"], started["previous_event_id"], started["redrive_count"]) == (
        "1",
        "0",
        "0",
    )
    assert started["execution_arn"] == arn
    assert started["event_timestamp"] == str(started["_ts"])
    assert json.loads(started["details"]["input"]) == {"key": "b.jpg"}
    assert started["details"]["inputDetails"] == {"truncated": False}
    assert started["details"]["roleArn"] == world["role"]
    assert records[2]["previous_event_id"] == "2"
    assert {r["_stream"] for r in records} == {records[0]["_stream"]}
    execution_id = arn.rsplit(":", 1)[1]
    assert re.fullmatch(
        rf"states/{PREFIX}all/\d{{4}}-\d\d-\d\d-\d\d-\d\d/{execution_id[:8]}", records[0]["_stream"]
    )


def test_without_execution_data_the_records_leave_out_input_and_output(local_aws, world):
    arn = _start(local_aws, world, "all-no-data", {"key": "secret.jpg"})
    records = _ended(local_aws, world, "all-no-data", arn)
    assert [r["type"] for r in records][-1] == "ExecutionSucceeded"
    assert records[0]["details"] == {"roleArn": world["role"]}
    assert records[1]["details"] == {"name": "Context"}
    assert records[-1]["details"] == {}
    assert "secret.jpg" not in json.dumps(records)


def test_level_error_logs_failures_only_and_fatal_the_execution_failure(local_aws, world):
    error = _ended(local_aws, world, "error", _start(local_aws, world, "error", {"key": "c.jpg"}))
    assert [r["type"] for r in error] == [
        "LambdaFunctionFailed",
        "FailStateEntered",
        "ExecutionFailed",
    ]
    assert error[0]["details"]["error"] == "PhotoBroken"
    assert error[-1]["details"] == {"error": "Photo.Unreadable", "cause": "see the Task"}
    fatal = _ended(local_aws, world, "fatal", _start(local_aws, world, "fatal", {"key": "d.jpg"}))
    assert [r["type"] for r in fatal] == ["ExecutionFailed"]


def test_level_off_logs_nothing(local_aws, world):
    arn = _start(local_aws, world, "off", {})
    _ended(local_aws, world, "all", _start(local_aws, world, "all", {}))  # the interpreter ran
    time.sleep(0.5)
    assert _records(local_aws, world, "off", arn) == []


def test_subscription_filter_delivers_the_matching_records_to_its_function(local_aws, world):
    failed = _start(local_aws, world, "subscribed", {"fail": True})
    succeeded = _start(local_aws, world, "subscribed", {"fail": False})
    assert _ended(local_aws, world, "subscribed", succeeded)[-1]["type"] == "ExecutionSucceeded"
    failed_records = _ended(local_aws, world, "subscribed", failed)

    def delivered() -> list[dict]:
        lines = local_aws.function_log(f"{PREFIX}logs").splitlines()
        return [json.loads(line[len("LOGS ") :]) for line in lines if line.startswith("LOGS ")]

    (batch,) = _poll(
        lambda: [d for d in delivered() if failed in json.dumps(d)], what="the delivered batch"
    )
    assert batch["messageType"] == "DATA_MESSAGE"
    assert batch["owner"] == ACCOUNT
    assert batch["logGroup"] == world["groups"]["subscribed"]
    assert batch["logStream"] == failed_records[-1]["_stream"]
    assert batch["subscriptionFilters"] == ["terminal-failures"]
    (event,) = batch["logEvents"]
    assert set(event) == {"id", "timestamp", "message"}
    record = json.loads(event["message"])
    assert record["type"] == "ExecutionFailed"
    assert record["details"] == {"error": "Photo.Rejected", "cause": "not a photo"}
    time.sleep(0.5)
    assert [d for d in delivered() if succeeded in json.dumps(d)] == []


def test_a_subscription_filter_needs_the_functions_permission_for_its_log_group(local_aws, world):
    logs = local_aws.client("logs")
    with pytest.raises(ClientError) as refused:  # the permission names another group
        logs.put_subscription_filter(
            logGroupName=world["groups"]["all"],
            filterName="unpermitted",
            filterPattern="",
            destinationArn=_function_arn("logs"),
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "permission" in refused.value.response["Error"]["Message"]
    assert (
        logs.describe_subscription_filters(logGroupName=world["groups"]["all"])[
            "subscriptionFilters"
        ]
        == []
    )


def test_json_filter_patterns_in_filter_log_events(local_aws, world):
    logs = local_aws.client("logs")
    group = world["groups"]["off"]
    logs.create_log_stream(logGroupName=group, logStreamName="patterns")
    now = int(time.time() * 1000)
    messages = [
        {"type": "ExecutionFailed", "n": 3, "ok": False},
        {"type": "ExecutionSucceeded", "n": 7, "ok": True},
        {"type": "TaskFailed", "n": 10, "nested": {"k": "photo-1.jpg"}},
    ]
    logs.put_log_events(
        logGroupName=group,
        logStreamName="patterns",
        logEvents=[{"timestamp": now, "message": json.dumps(m)} for m in messages]
        + [{"timestamp": now, "message": "not json ExecutionFailed"}],
    )

    def types(pattern: str) -> list[str]:
        found = logs.filter_log_events(
            logGroupName=group, logStreamNames=["patterns"], filterPattern=pattern
        )["events"]
        return [json.loads(e["message"])["type"] for e in found]

    assert types(TERMINAL) == ["ExecutionFailed"]
    assert types('{ $.type = "*Failed" }') == ["ExecutionFailed", "TaskFailed"]
    assert types('{ $.type != "ExecutionFailed" && $.n > 5 }') == [
        "ExecutionSucceeded",
        "TaskFailed",
    ]
    assert types("{ ($.n <= 3 || $.n >= 10) && $.type = %*% }".replace("%*%", '"*"')) == [
        "ExecutionFailed",
        "TaskFailed",
    ]
    assert types("{ $.ok IS TRUE }") == ["ExecutionSucceeded"]
    assert types('{ $.nested.k = "photo-*" }') == ["TaskFailed"]
    assert types("{ $.nested NOT EXISTS }") == ["ExecutionFailed", "ExecutionSucceeded"]


def test_a_standard_parent_runs_an_express_child_with_sync(local_aws, world):
    """startExecution.sync:2 waits for an EXPRESS child and gets its output, as on AWS,
    although nobody may describe the child directly."""
    sfn = local_aws.client("stepfunctions")
    parent = {
        "StartAt": "Child",
        "States": {
            "Child": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": world["machines"]["all"], "Input": {"k": 1}},
                "ResultSelector": {"arn.$": "$.ExecutionArn", "out.$": "$.Output"},
                "End": True,
            }
        },
    }
    machine = sfn.create_state_machine(
        name=f"{PREFIX}parent-{uuid.uuid4().hex[:6]}",
        definition=json.dumps(parent),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}role",
    )["stateMachineArn"]
    try:
        execution = sfn.start_execution(stateMachineArn=machine)["executionArn"]
        done = _poll(
            lambda: (
                (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d
            ),
            what="the parent's end",
        )
        assert done["status"] == "SUCCEEDED", done
        result = json.loads(done["output"])
        assert result["arn"].split(":")[5] == "express"
        assert result["out"] == {
            "id": result["arn"],
            "name": result["arn"].split(":")[7],
            "in": {"k": 1},
        }
    finally:
        sfn.delete_state_machine(stateMachineArn=machine)
