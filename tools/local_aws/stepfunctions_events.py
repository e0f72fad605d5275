"""Gaps in moto 5.2.5 (server mode) between a Step Functions execution's end and EventBridge.

AWS puts a "Step Functions Execution Status Change" event on the default event bus whenever a
Standard execution starts or ends; rules match it and EventBridge invokes their targets, a
Lambda function asynchronously. Each patch below is one function, applied by ``apply_all`` in
``patches.py``, small enough to go upstream as it is.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

# AWS backs off exponentially over up to 24 hours (EventBridge) or waits 1 then 2 minutes
# (Lambda's asynchronous retries); the emulator keeps the order and shortens the waits.
EVENTBRIDGE_RETRY_DELAY_S = 0.5
LAMBDA_ASYNC_RETRY_DELAY_S = 1.0
STATUS_CHANGE = "Step Functions Execution Status Change"
_STATUS_LOCK = threading.RLock()


def events_lambda_targets() -> None:
    """moto 5.2.5 cannot deliver an EventBridge event to a Lambda target.

    ``Rule.send_to_targets`` raises NotImplementedError for one, so PutEvents (and any event
    a rule matches) answers 500 and no target runs. As EventBridge does, hand the event (or
    the target's Input, InputPath or InputTransformer result) to Lambda asynchronously. A
    delivery failure (function missing: NO_RESOURCE; no resource policy letting
    events.amazonaws.com invoke it from this rule: NO_PERMISSIONS) goes straight to the
    target's DeadLetterConfig queue; any other is retried as its RetryPolicy says. Once
    Lambda has the event, a function error is Lambda's to retry: the function's event invoke
    config (2 retries by default), then its OnFailure destination.
    """
    from moto.events.models import Rule

    workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="events-lambda")
    original = Rule.send_to_targets

    def send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
        lambdas = [t for t in self.targets if t["Arn"].split(":")[2:3] == ["lambda"]]
        if not lambdas:
            return original(self, original_event, transform_input)
        if not self.event_pattern.matches_event(original_event):
            return None
        others = copy.copy(self)
        others.targets = [t for t in self.targets if t not in lambdas]
        if others.targets:
            original(others, original_event, transform_input)
        event = _as_delivered(original_event)
        for target in lambdas:
            payload = _target_input(target, event, original_event) if transform_input else event
            future = workers.submit(
                _deliver_to_lambda, self, target, event, payload, time.monotonic()
            )
            future.add_done_callback(
                lambda f: f.exception() and print(f"EventBridge target: {f.exception()!r}")
            )
        return None

    Rule.send_to_targets = send_to_targets


def _as_delivered(event: dict[str, Any]) -> dict[str, Any]:
    """The event as a target receives it: ISO time, none of moto's bookkeeping."""
    delivered = {k: v for k, v in event.items() if k != "ingestion-time"}
    if isinstance(delivered.get("time"), int | float):
        stamp = datetime.fromtimestamp(float(delivered["time"]), UTC)
        delivered["time"] = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return delivered


def _target_input(target: dict[str, Any], event: dict[str, Any], raw: dict[str, Any]) -> Any:
    if "Input" in target:
        return json.loads(target["Input"])
    if "InputPath" in target:
        from jsonpath_ng.ext import parse

        matches = parse(target["InputPath"]).find(event)
        return matches[0].value if matches else None
    if "InputTransformer" in target:
        from moto.events.utils import EventTemplateParser

        transformer = target["InputTransformer"]
        return EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event={**event, "ingestion-time": raw.get("ingestion-time", time.time())},
        )
    return event


def _deliver_to_lambda(
    rule: Any, target: dict[str, Any], event: dict[str, Any], payload: Any, queued_at: float
) -> None:
    """EventBridge's side: hand the event to Lambda, or retry, or dead-letter it."""
    policy = target.get("RetryPolicy") or {}
    max_retries = int(policy.get("MaximumRetryAttempts", 185))
    max_age = float(policy.get("MaximumEventAgeInSeconds", 86400))
    retries = 0
    while True:
        function, failure = _accepting_function(rule, target["Arn"])
        if failure is None:
            _invoke_asynchronously(function, payload)
            return
        code, message, retriable = failure
        condition = None
        if retriable and retries >= max_retries:
            condition = "MaximumRetryAttemptsExhausted"
        elif retriable and time.monotonic() - queued_at >= max_age:
            condition = "MaximumEventAgeExhausted"
        elif retriable:
            time.sleep(min(EVENTBRIDGE_RETRY_DELAY_S * 2**retries, 5.0))
            retries += 1
            continue
        _dead_letter(rule, target, event, code, message, condition, retries)
        return


def _accepting_function(rule: Any, function_arn: str) -> tuple[Any, tuple | None]:
    """The function when Lambda would take the event from this rule, else why not."""
    from moto.awslambda.exceptions import UnknownFunctionException
    from moto.awslambda.models import lambda_backends

    _, _, _, region, account, *_ = function_arn.split(":")
    try:
        function = lambda_backends[account][region].get_function(function_arn)
    except UnknownFunctionException:
        return None, ("NO_RESOURCE", f"Function not found: {function_arn}", False)
    except Exception as exc:  # an emulator fault: retriable, like a Lambda 5xx
        return None, ("INTERNAL_ERROR", repr(exc), True)
    if not _policy_lets_rule_invoke(function.policy.statements, rule.arn, rule.account_id):
        message = (
            f"No resource-based policy statement on {function_arn} lets "
            f"events.amazonaws.com call lambda:InvokeFunction from {rule.arn}"
        )
        return None, ("NO_PERMISSIONS", message, False)
    return function, None


def _policy_lets_rule_invoke(
    statements: list[dict[str, Any]],
    rule_arn: str,
    account: str,
    service: str = "events.amazonaws.com",
) -> bool:
    """Whether a function's resource policy lets ``service`` invoke it from ``rule_arn``."""
    context = {"aws:sourcearn": rule_arn, "aws:sourceaccount": account}
    for statement in statements:
        principal = statement.get("Principal")
        services = principal.get("Service", []) if isinstance(principal, dict) else principal
        services = [services] if isinstance(services, str) else services or []
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if (
            statement.get("Effect", "Allow") != "Allow"
            or not {service, "*"} & set(services)
            or not any(fnmatch.fnmatch("lambda:invokefunction", a.lower()) for a in actions)
        ):
            continue
        conditions_hold = all(
            context.get(key.lower()) is not None
            and any(
                fnmatch.fnmatchcase(context[key.lower()], expected)
                for expected in ([wanted] if isinstance(wanted, str) else wanted)
            )
            for pairs in (statement.get("Condition") or {}).values()
            for key, wanted in pairs.items()
        )
        if conditions_hold:
            return True
    return False


def _dead_letter(
    rule: Any,
    target: dict[str, Any],
    event: dict[str, Any],
    code: str,
    message: str,
    condition: str | None,
    retries: int,
) -> None:
    queue_arn = (target.get("DeadLetterConfig") or {}).get("Arn")
    print(f"EventBridge: {code} delivering to {target['Arn']} from {rule.arn}: {message}")
    if not queue_arn:
        return  # dropped, as AWS drops it
    attributes = {
        "RULE_ARN": rule.arn,
        "TARGET_ARN": target["Arn"],
        "ERROR_CODE": code,
        "ERROR_MESSAGE": message,
        "RETRY_ATTEMPTS": str(retries),
    }
    if condition:
        attributes["EXHAUSTED_RETRY_CONDITION"] = condition
    _send_to_queue(queue_arn, json.dumps(event), attributes)


def _send_to_queue(queue_arn: str, body: str, attributes: dict[str, str] | None = None) -> None:
    from moto.sqs.models import sqs_backends

    _, _, _, region, account, name = queue_arn.split(":")
    message_attributes = {
        key: {"DataType": "String", "StringValue": value}
        for key, value in (attributes or {}).items()
    }
    sqs_backends[account][region].send_message(name, body, message_attributes=message_attributes)


def _invoke_asynchronously(function: Any, payload: Any) -> None:
    """Lambda's side of an asynchronous invocation: retries, then the OnFailure destination."""
    config = function.event_invoke_config[0].config if function.event_invoke_config else {}
    attempts = 1 + int(config.get("MaximumRetryAttempts", 2))
    started = time.monotonic()
    max_age = float(config.get("MaximumEventAgeInSeconds", 21600))
    for attempt in range(1, attempts + 1):
        headers: dict[str, str] = {}
        answer = function.invoke(json.dumps(payload), {"x-amz-invocation-type": "Event"}, headers)
        if "x-amz-function-error" not in headers:
            return
        if attempt < attempts and time.monotonic() - started < max_age:
            time.sleep(LAMBDA_ASYNC_RETRY_DELAY_S * attempt)
        else:
            break
    destination = config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
    if not destination:
        return
    if destination.split(":")[2] != "sqs":
        print(f"Lambda: on-failure destination {destination} is not supported here")
        return
    record = {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"{function.function_arn}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempt,
        },
        "requestPayload": payload,
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "responsePayload": json.loads(answer),
    }
    _send_to_queue(destination, json.dumps(record))


def stepfunctions_execution_status_events() -> None:
    """moto 5.2.5 sends no "Step Functions Execution Status Change" events to EventBridge.

    AWS puts one on the default event bus when a Standard execution starts (RUNNING) and once
    when it ends (SUCCEEDED, FAILED, TIMED_OUT, ABORTED), its detail the execution as
    DescribeExecution shows it; Express executions send none.
    """
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    original_start = ExecutionWorker.start
    original_terminated = BaseExecutionWorkerCommunication.terminated

    def start(self: ExecutionWorker) -> None:
        communication = self._execution_communication
        if isinstance(communication, BaseExecutionWorkerCommunication):
            put_status_event(communication.execution)
        original_start(self)

    def terminated(self: BaseExecutionWorkerCommunication) -> None:
        original_terminated(self)
        put_status_event(self.execution)

    ExecutionWorker.start = start
    BaseExecutionWorkerCommunication.terminated = terminated


def put_status_event(execution: Any) -> None:
    """Put the execution's current status on its account's default bus, once per status."""
    from moto.events.models import events_backends

    status = _value(execution.exec_status)
    if _is_express(execution) or status is None:
        return  # AWS sends these for Standard executions only
    with _STATUS_LOCK:
        sent = execution.__dict__.setdefault("_local_aws_status_events", set())
        if status in sent:
            return
        sent.add(status)
    try:
        backend = events_backends[execution.account_id][execution.region_name]
        backend.put_events(
            [
                {
                    "Source": "aws.states",
                    "DetailType": STATUS_CHANGE,
                    "Resources": [execution.exec_arn],
                    "Detail": json.dumps(_status_detail(execution, status)),
                }
            ]
        )
    except Exception as exc:  # AWS's delivery is best effort: never break the execution
        print(f"Step Functions status event for {execution.exec_arn}: {exc!r}")


def _is_express(execution: Any) -> bool:
    """moto 5.2.5 marks every execution ``sm_type`` STANDARD; its machine's ``type`` is right."""
    machine = getattr(execution, "state_machine", None)
    return "EXPRESS" in (_value(execution.sm_type), _value(getattr(machine, "type", None)))


def _status_detail(execution: Any, status: str) -> dict[str, Any]:
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    def epoch_ms(moment: datetime | None) -> int | None:
        return int(moment.timestamp() * 1000) if moment else None

    output = None
    if status == "SUCCEEDED":
        output = to_json_str(execution.output, separators=(",", ":"))
    redrivable = status in ("FAILED", "TIMED_OUT", "ABORTED")
    return {
        "executionArn": execution.exec_arn,
        "stateMachineArn": execution.state_machine_arn,
        "name": execution.name,
        "status": status,
        "startDate": epoch_ms(execution.start_date),
        "stopDate": None if status == "RUNNING" else epoch_ms(execution.stop_date),
        "input": execution.execution_input,
        "output": output,
        "inputDetails": {"included": True},
        "outputDetails": {"included": True} if output is not None else None,
        "error": execution.error,
        "cause": execution.cause,
        "redriveCount": 0,
        "redriveDate": None,
        "redriveStatus": "REDRIVABLE" if redrivable else "NOT_REDRIVABLE",
        "redriveStatusReason": (
            f"Execution is {status} and {'can' if redrivable else 'cannot'} be redriven"
        ),
    }


def _value(enum_or_str: Any) -> Any:
    return getattr(enum_or_str, "value", enum_or_str)


def stepfunctions_stop_execution_stops() -> None:
    """moto 5.2.5's StopExecution does not stop an execution as AWS does.

    It drops the request's error and cause and answers without stopDate; the execution stays
    RUNNING until its current state returns (a Task's Lambda may run for minutes), and a Task
    that then fails turns it FAILED (Catch raises on the stopped program, or the error
    replaces the stop). In AWS the execution is ABORTED at once, with that error, cause and
    stopDate, and no later state runs. Here the status is set when the request arrives and
    nothing the interpreter does afterwards changes it.
    """
    from moto.core.responses import ActionResult
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.asl.eval.environment import Environment
    from moto.stepfunctions.parser.asl.eval.program_state import (
        ProgramStopped,
        ProgramTimedOut,
    )
    from moto.stepfunctions.parser.backend.execution import (
        BaseExecutionWorkerCommunication,
        Execution,
    )
    from moto.stepfunctions.responses import StepFunctionResponse

    def stop_execution(self: StepFunctionResponse) -> ActionResult:
        execution = self.stepfunction_backend.describe_execution(self._get_param("executionArn"))
        stop = getattr(execution, "stop", None)
        if _value(execution.status) == "RUNNING" and stop is not None:
            stop(datetime.now(UTC), self._get_param("error"), self._get_param("cause"))
        return ActionResult({"stopDate": execution.stop_date})

    def stop(self: Execution, stop_date: datetime, error: str | None, cause: str | None) -> None:
        with _STATUS_LOCK:
            if self.exec_status != ExecutionStatus.RUNNING:
                return
            self.exec_status = ExecutionStatus.ABORTED
            self.stop_date, self.error, self.cause = stop_date, error or None, cause or None
        worker = self.exec_worker
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (
            worker.env is None or worker.env._program_state is None
        ):
            time.sleep(0.01)  # the interpreter thread is still setting the program up
        if worker.env is not None:
            worker.env.set_stop(stop_date=stop_date, cause=cause, error=error)
        put_status_event(self)

    original_reflect = BaseExecutionWorkerCommunication._reflect_execution_status

    def _reflect_execution_status(self: BaseExecutionWorkerCommunication) -> None:
        with _STATUS_LOCK:  # a stop that raced the end keeps its ABORTED
            if self.execution.exec_status == ExecutionStatus.RUNNING:
                original_reflect(self)

    def final(original: Any) -> Any:
        def guarded(self: Environment, *args: Any, **kwargs: Any) -> None:
            with self._state_mutex:
                if not isinstance(self._program_state, ProgramStopped | ProgramTimedOut):
                    original(self, *args, **kwargs)

        return guarded

    StepFunctionResponse.stop_execution = stop_execution
    Execution.stop = stop
    BaseExecutionWorkerCommunication._reflect_execution_status = _reflect_execution_status
    Environment.set_error = final(Environment.set_error)
    Environment.set_timed_out = final(Environment.set_timed_out)


def stepfunctions_execution_timeout() -> None:
    """moto 5.2.5 times an execution out at its TimeoutSeconds but leaves out what AWS shows.

    The TIMED_OUT execution has no error (AWS: ``States.Timeout``), and DescribeExecution and
    ListExecutions leave out its stopDate (they add it for the other ended statuses only).
    """
    from moto.core.responses import ActionResult
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication
    from moto.stepfunctions.responses import StepFunctionResponse

    original_reflect = BaseExecutionWorkerCommunication._reflect_execution_status
    original_describe = StepFunctionResponse.describe_execution
    original_list = StepFunctionResponse.list_executions

    def _reflect_execution_status(self: BaseExecutionWorkerCommunication) -> None:
        original_reflect(self)
        if _value(self.execution.exec_status) == "TIMED_OUT" and self.execution.error is None:
            self.execution.error = "States.Timeout"

    def with_stop_dates(original: Any) -> Any:
        def answer(self: StepFunctionResponse) -> Any:
            result = original(self)
            found = result.result if isinstance(result, ActionResult) else None
            if isinstance(found, dict):
                for item in found.get("executions", [found]):
                    if _value(item.get("status")) == "TIMED_OUT" and "stopDate" not in item:
                        execution = self.stepfunction_backend.describe_execution(
                            item["executionArn"]
                        )
                        item["stopDate"] = execution.stop_date
            return result

        return answer

    BaseExecutionWorkerCommunication._reflect_execution_status = _reflect_execution_status
    StepFunctionResponse.describe_execution = with_stop_dates(original_describe)
    StepFunctionResponse.list_executions = with_stop_dates(original_list)
