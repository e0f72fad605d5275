"""The image state machine's executions, read as each workflow type allows.

STANDARD: ListExecutions (and DescribeExecution for an input). EXPRESS keeps no history in Step
Functions (AWS refuses ListExecutions and DescribeExecution for it): its log group records each
execution's events, ExecutionStarted (with the input: environments/local includes execution
data) and its end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tests.conftest import LocalAws

ENDINGS = {"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"}


@dataclass(frozen=True)
class Run:
    name: str
    arn: str
    start: datetime
    stop: datetime | None
    input: dict[str, Any] | None = None


def is_express(deployed: dict) -> bool:
    return deployed["state_machine_type"] == "EXPRESS"


def runs(local_aws: LocalAws, deployed: dict, with_input: bool = False) -> list[Run]:
    """Every execution of the image state machine so far (one per start, even of one name)."""
    machine = deployed["outputs"]["state_machine_arn"]
    if is_express(deployed):
        return _logged_runs(local_aws, "/aws/vendedlogs/states/" + machine.rsplit(":", 1)[1])
    sfn = local_aws.client("stepfunctions")
    found = []
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine):
        for e in page["executions"]:
            given = None
            if with_input:
                described = sfn.describe_execution(executionArn=e["executionArn"])
                given = json.loads(described.get("input") or "null")
            found.append(
                Run(e["name"], e["executionArn"], e["startDate"], e.get("stopDate"), given)
            )
    return found


def _logged_runs(local_aws: LocalAws, log_group: str) -> list[Run]:
    logs = local_aws.client("logs")
    started: dict[str, tuple[datetime, Any]] = {}
    stopped: dict[str, datetime] = {}
    for page in logs.get_paginator("filter_log_events").paginate(logGroupName=log_group):
        for event in page["events"]:
            record = json.loads(event["message"])
            arn, kind = record["execution_arn"], record["type"]
            moment = datetime.fromtimestamp(int(record["event_timestamp"]) / 1000, UTC)
            if kind == "ExecutionStarted":
                given = (record.get("details") or {}).get("input")
                started[arn] = (moment, json.loads(given) if isinstance(given, str) else given)
            elif kind in ENDINGS:
                stopped[arn] = moment
    return [
        Run(arn.split(":")[7], arn, moment, stopped.get(arn), given)
        for arn, (moment, given) in started.items()
    ]
