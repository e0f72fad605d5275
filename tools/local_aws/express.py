"""Gaps in moto 5.2.5 (server mode) between an EXPRESS state machine and AWS's Express workflows,
and between CloudWatch Logs and the functions its subscription filters name.

On AWS an Express execution has an ``express:`` ARN, keeps no history in Step Functions (its
history goes to CloudWatch Logs, as the state machine's loggingConfiguration says) and is
refused by DescribeExecution, GetExecutionHistory, StopExecution and ListExecutions. Each
patch below is one function, applied by ``apply_all`` in ``patches.py``, small enough to go
upstream as it is.
"""

from __future__ import annotations

import copy
import datetime
import fnmatch
import json
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .stepfunctions_events import _invoke_asynchronously

# What AWS answers (see stepfunctions_express_executions).
RESOURCE_TYPE_NOT_VALID = "Invalid Arn: 'Resource type not valid in this context: express'"
TYPE_NOT_SUPPORTED = "This operation is not supported by this type of state machine"

# https://docs.aws.amazon.com/step-functions/latest/dg/cloudwatch-log-level.html
FATAL_EVENTS = frozenset({"ExecutionAborted", "ExecutionFailed", "ExecutionTimedOut"})
ERROR_EVENTS = FATAL_EVENTS | {
    "FailStateEntered",
    "LambdaFunctionFailed",
    "LambdaFunctionScheduleFailed",
    "LambdaFunctionStartFailed",
    "LambdaFunctionTimedOut",
    "MapIterationAborted",
    "MapIterationFailed",
    "MapRunAborted",
    "MapRunFailed",
    "MapStateAborted",
    "MapStateFailed",
    "ParallelStateAborted",
    "ParallelStateFailed",
    "TaskFailed",
    "TaskStartFailed",
    "TaskStateAborted",
    "TaskSubmitFailed",
    "TaskTimedOut",
    "WaitStateAborted",
}
_EXECUTION_DATA = ("input", "inputDetails", "output", "outputDetails")


def is_express(machine_or_execution: Any) -> bool:
    """moto keeps the type in ``type`` on its state machines (``sm_type`` always says STANDARD)."""
    for attribute in ("type", "sm_type"):
        value = getattr(machine_or_execution, attribute, None)
        if getattr(value, "value", value) == "EXPRESS":
            return True
    machine = getattr(machine_or_execution, "state_machine", None)
    return machine is not None and machine is not machine_or_execution and is_express(machine)


def stepfunctions_express_executions() -> None:
    """moto 5.2.5 runs an EXPRESS state machine's executions as Standard ones.

    StartExecution gives an ``execution:`` ARN and refuses a name already used
    (ExecutionAlreadyExists), and every execution API answers for it. On AWS the ARN is
    ``arn:<partition>:states:<region>:<account>:express:<machine>:<name>:<uuid>`` (also
    ``$$.Execution.Id`` inside it), names are not deduplicated, and the history goes to the
    machine's CloudWatch Logs destination (``ExpressLogSession``). DescribeExecution,
    GetExecutionHistory and StopExecution on an Express ARN answer ``InvalidArn``: "Invalid
    Arn: 'Resource type not valid in this context: express'" (moto's own copy of LocalStack's
    AWS-validated provider, ``moto/stepfunctions/parser/provider.py``,
    ``_raise_resource_type_not_in_context``); ListExecutions on an EXPRESS machine answers
    ``StateMachineTypeNotSupported``: "This operation is not supported by this type of state
    machine" (the same provider, and what the AWS CLI prints for list-executions on one).
    """
    from moto.core.responses import ActionResult
    from moto.stepfunctions.exceptions import InvalidArn
    from moto.stepfunctions.parser.api import StateMachineType
    from moto.stepfunctions.parser.backend.execution import Execution
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    from moto.stepfunctions.responses import StepFunctionResponse

    class StateMachineTypeNotSupported(InvalidArn):
        TYPE = "StateMachineTypeNotSupported"

    original_start = StepFunctionsParserBackend.start_execution

    def start_execution(
        self: StepFunctionsParserBackend,
        state_machine_arn: str,
        name: str | None = None,
        execution_input: str | None = None,
        trace_header: str | None = None,
    ) -> Any:
        machine = self.describe_state_machine(state_machine_arn)
        if not is_express(machine):
            return original_start(self, state_machine_arn, name, execution_input, trace_header)
        name = name or str(uuid.uuid4())
        self._validate_name(name)
        input_data = "{}" if execution_input is None else execution_input
        try:
            json.loads(input_data)
        except ValueError as exc:
            from moto.stepfunctions.exceptions import InvalidExecutionInput

            raise InvalidExecutionInput(f"Invalid State Machine Execution Input: '{exc}'") from None
        clone = copy.deepcopy(
            machine, {id(machine.executions): [], id(machine.backend): machine.backend}
        )
        clone.sm_type = StateMachineType.EXPRESS
        arn = (
            f"arn:{self.partition}:states:{self.region_name}:{self.account_id}:express:"
            f"{machine.name}:{name}:{uuid.uuid4()}"
        )
        execution = Execution(
            name=name,
            sm_type=StateMachineType.EXPRESS,
            role_arn=clone.roleArn,
            exec_arn=arn,
            account_id=self.account_id,
            region_name=self.region_name,
            state_machine=clone,
            start_date=datetime.datetime.now(tz=datetime.UTC),
            cloud_watch_logging_session=ExpressLogSession.for_execution(
                arn, machine, self.account_id, self.region_name
            ),
            input_data=input_data,
            trace_header=trace_header,
            activity_store={},
        )
        machine.executions.append(execution)  # callbacks (SendTask*) find it here
        execution.start()
        return execution

    def refusing_express_arns(original: Any) -> Any:
        def answer(self: StepFunctionResponse) -> Any:
            arn = self._get_param("executionArn") or ""
            if arn.split(":")[5:6] == ["express"]:
                raise InvalidArn(RESOURCE_TYPE_NOT_VALID)
            return original(self)

        return answer

    original_list = StepFunctionResponse.list_executions

    def list_executions(self: StepFunctionResponse) -> ActionResult:
        arn = self._get_param("stateMachineArn")
        if arn and is_express(self.stepfunction_backend.describe_state_machine(arn)):
            raise StateMachineTypeNotSupported(TYPE_NOT_SUPPORTED)
        return original_list(self)

    StepFunctionsParserBackend.start_execution = start_execution
    for action in ("describe_execution", "get_execution_history", "stop_execution"):
        setattr(
            StepFunctionResponse,
            action,
            refusing_express_arns(getattr(StepFunctionResponse, action)),
        )
    StepFunctionResponse.list_executions = list_executions


class ExpressLogSession:
    """An Express execution's history, written to its machine's log group as AWS writes it.

    Each history event at or above the configured level becomes one log event whose message is
    ``{"id", "type", "details", "previous_event_id", "event_timestamp", "execution_arn",
    "redrive_count"}`` (ids, the epoch-millisecond timestamp and the redrive count as strings;
    ``details`` the event's details, without input and output unless includeExecutionData),
    in a stream of its own: ``states/<machine>/<YYYY-MM-DD-HH-MM>/<execution id>``.
    """

    def __init__(self, execution_arn: str, configuration: dict, group: tuple[str, str, str]):
        self.execution_arn = execution_arn
        self.level = configuration.get("level", "OFF")
        self.configuration = self  # read by moto's EventManager
        self.include_execution_data = bool(configuration.get("includeExecutionData"))
        self.account, self.region, self.group_name = group
        machine, started = execution_arn.split(":")[6], datetime.datetime.now(datetime.UTC)
        self.stream_name = (
            f"states/{machine}/{started:%Y-%m-%d-%H-%M}/{execution_arn.split(':')[-1][:8]}"
        )
        self._lock = threading.Lock()
        self._stream_ready = False

    @classmethod
    def for_execution(
        cls, arn: str, machine: Any, account: str, region: str
    ) -> ExpressLogSession | None:
        configuration = getattr(machine, "loggingConfiguration", None) or {}
        if configuration.get("level", "OFF") == "OFF":
            return None
        destinations = configuration.get("destinations") or []
        group_arn = (destinations[0].get("cloudWatchLogsLogGroup") or {}).get("logGroupArn", "")
        parts = group_arn.split(":")
        if len(parts) < 7 or parts[5] != "log-group":
            return None
        return cls(arn, configuration, (parts[4] or account, parts[3] or region, parts[6]))

    def log_level_filter(self, history_event_type: Any) -> bool:
        kind = getattr(history_event_type, "value", history_event_type)
        return self.level == "ALL" or kind in {"ERROR": ERROR_EVENTS, "FATAL": FATAL_EVENTS}.get(
            self.level, ()
        )

    def publish_history_log(self, history_log: dict) -> None:
        from moto.logs.models import logs_backends

        details = dict(history_log.get("details") or {})
        if not self.include_execution_data:
            for key in _EXECUTION_DATA:
                details.pop(key, None)
        stamp = history_log["event_timestamp"]
        if isinstance(stamp, str):
            stamp = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        millis = int(stamp.timestamp() * 1000)
        record = {
            "id": str(history_log["id"]),
            "type": getattr(history_log["type"], "value", history_log["type"]),
            "details": details,
            "previous_event_id": str(history_log["previous_event_id"]),
            "event_timestamp": str(millis),
            "execution_arn": self.execution_arn,
            "redrive_count": "0",
        }
        try:
            logs = logs_backends[self.account][self.region]
            with self._lock:
                if not self._stream_ready:
                    logs.ensure_log_stream(self.group_name, self.stream_name)
                    self._stream_ready = True
                message = json.dumps(record, separators=(",", ":"), default=str)
                logs.put_log_events(
                    self.group_name, self.stream_name, [{"timestamp": millis, "message": message}]
                )
        except Exception as exc:  # delivery is best effort on AWS: never break the execution
            print(f"Express log for {self.execution_arn}: {exc!r}")


def logs_json_filter_patterns() -> None:
    """moto 5.2.5 matches every message against a JSON filter pattern (``{ $.type = "X" }``).

    Its ``EventMessageFilter`` knows terms and quoted phrases only and takes any other pattern
    as matching all. CloudWatch Logs evaluates a JSON pattern against the message parsed as
    JSON: selectors ``$.a.b[0]``, ``=`` ``!=`` (strings, ``*`` wildcards) and ``<`` ``<=``
    ``>`` ``>=`` (numbers), ``IS TRUE|FALSE|NULL``, ``EXISTS``/``NOT EXISTS``, ``&&``, ``||``
    and parentheses; a message that is not JSON never matches.
    """
    from moto.logs.utils import EventMessageFilter

    original_init = EventMessageFilter.__init__
    original_matches = EventMessageFilter.matches

    def __init__(self: EventMessageFilter, pattern: str) -> None:
        self.json_pattern = None
        if (pattern or "").strip().startswith("{"):
            self.json_pattern = JsonFilterPattern(pattern)
        else:
            original_init(self, pattern)

    def matches(self: EventMessageFilter, message: str) -> bool:
        if self.json_pattern is not None:
            return self.json_pattern.matches(message)
        return original_matches(self, message)

    EventMessageFilter.__init__ = __init__
    EventMessageFilter.matches = matches


_TOKEN = re.compile(
    r"""\s*(?:(?P<punct>\(|\)|&&|\|\||!=|<=|>=|=|<|>)
    |(?P<selector>\$(?:\.[\w-]+|\[\d+\])*)
    |(?P<string>"(?:[^"\\]|\\.)*")
    |(?P<word>[^\s()&|=<>!"]+))""",
    re.VERBOSE,
)


class JsonFilterPattern:
    """A CloudWatch Logs JSON filter pattern, parsed once, matched against each message."""

    def __init__(self, pattern: str):
        body = pattern.strip()
        if not (body.startswith("{") and body.endswith("}")):
            raise ValueError(f"not a JSON filter pattern: {pattern!r}")
        self.tokens = self._tokens(body[1:-1])
        self.position = 0
        self.tree = self._or()
        if self.position != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.position]!r} in {pattern!r}")

    @staticmethod
    def _tokens(text: str) -> list[tuple[str, str]]:
        tokens, position = [], 0
        while text[position:].strip():
            found = _TOKEN.match(text, position)
            if not found:
                raise ValueError(f"cannot read {text[position:]!r}")
            kind = found.lastgroup or ""
            tokens.append((kind, found.group(kind)))
            position = found.end()
        return tokens

    def _peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def _or(self) -> Any:
        node = self._and()
        while self._peek() == "||":
            self._take()
            node = ("or", node, self._and())
        return node

    def _and(self) -> Any:
        node = self._atom()
        while self._peek() == "&&":
            self._take()
            node = ("and", node, self._atom())
        return node

    def _atom(self) -> Any:
        if self._peek() == "(":
            self._take()
            node = self._or()
            if self._take()[1] != ")":
                raise ValueError("missing )")
            return node
        kind, selector = self._take()
        if kind != "selector":
            raise ValueError(f"expected a $. selector, not {selector!r}")
        word = (self._peek() or "").upper()
        if word == "IS":
            self._take()
            return ("is", selector, self._take()[1].upper())
        if word in ("EXISTS", "NOT"):
            self._take()
            if word == "NOT":
                self._take()  # EXISTS
            return ("exists", selector, word == "EXISTS")
        operator = self._take()[1]
        kind, value = self._take()
        literal: Any = value
        if kind == "string":
            literal = json.loads(value)
        else:
            try:
                literal = float(value)
            except ValueError:
                literal = value
        return ("compare", selector, operator, literal)

    @staticmethod
    def _select(document: Any, selector: str) -> tuple[bool, Any]:
        value = document
        for key, index in re.findall(r"\.([\w-]+)|\[(\d+)\]", selector[1:]):
            if key and isinstance(value, dict) and key in value:
                value = value[key]
            elif index and isinstance(value, list) and int(index) < len(value):
                value = value[int(index)]
            else:
                return False, None
        return True, value

    def _evaluate(self, node: Any, document: Any) -> bool:
        if node[0] == "or":
            return self._evaluate(node[1], document) or self._evaluate(node[2], document)
        if node[0] == "and":
            return self._evaluate(node[1], document) and self._evaluate(node[2], document)
        found, value = self._select(document, node[1])
        if node[0] == "exists":
            return found == node[2]
        if not found:
            return False
        if node[0] == "is":
            return {"TRUE": value is True, "FALSE": value is False, "NULL": value is None}.get(
                node[2], False
            )
        operator, literal = node[2], node[3]
        if isinstance(literal, float):
            if isinstance(value, bool) or not isinstance(value, int | float):
                return operator == "!="
            return {
                "=": value == literal,
                "!=": value != literal,
                "<": value < literal,
                "<=": value <= literal,
                ">": value > literal,
                ">=": value >= literal,
            }.get(operator, False)
        text = value if isinstance(value, str) else json.dumps(value)
        same = fnmatch.fnmatchcase(text, str(literal).replace("[", "[[]"))
        return {"=": same, "!=": not same}.get(operator, False)

    def matches(self, message: str) -> bool:
        try:
            document = json.loads(message)
        except (TypeError, ValueError):
            return False
        return self._evaluate(self.tree, document)


def logs_subscription_filters_deliver_as_aws() -> None:
    """moto 5.2.5 hands every event put to a log group to its subscription filters' functions,
    whatever their filterPattern, and invokes the function inside PutLogEvents.

    CloudWatch Logs refuses the filter (InvalidParameterException) unless the function's
    resource policy lets logs.amazonaws.com invoke it from the log group
    (``arn:...:log-group:<name>:*``); it delivers only the events the filter's pattern
    matches, and invokes the Lambda function asynchronously (Lambda's own retries and
    on-failure destination then apply) with ``{"awslogs": {"data": base64(gzip(json))}}``,
    the JSON being
    ``{"messageType": "DATA_MESSAGE", "owner", "logGroup", "logStream",
    "subscriptionFilters", "logEvents": [{"id", "timestamp", "message"}]}``.
    """
    import base64
    import gzip

    from moto.awslambda.models import lambda_backends
    from moto.logs.exceptions import InvalidParameterException
    from moto.logs.models import LogsBackend, LogStream
    from moto.logs.utils import EventMessageFilter

    from .stepfunctions_events import _policy_lets_rule_invoke

    workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="logs-subscription")
    original = LogStream._send_log_events

    def deliver(function_arn: str, payload: dict) -> None:
        region, account = function_arn.split(":")[3:5]
        function = lambda_backends[account][region].get_function(function_arn)
        _invoke_asynchronously(function, payload)

    def _send_log_events(
        self: LogStream,
        service: str,
        destination_arn: str,
        filter_name: str,
        log_events: list[dict[str, Any]],
    ) -> None:
        subscription = self.log_group.subscription_filters.get(filter_name)
        pattern = EventMessageFilter(getattr(subscription, "filter_pattern", "") or "")
        matched = [e for e in log_events if pattern.matches(e["message"])]
        if not matched:
            return None
        if service != "lambda":
            return original(self, service, destination_arn, filter_name, matched)
        data = {
            "messageType": "DATA_MESSAGE",
            "owner": self.account_id,
            "logGroup": self.log_group.name,
            "logStream": self.log_stream_name,
            "subscriptionFilters": [filter_name],
            "logEvents": matched,
        }
        packed = gzip.compress(json.dumps(data, separators=(",", ":")).encode())
        payload = {"awslogs": {"data": base64.b64encode(packed).decode()}}
        future = workers.submit(deliver, destination_arn, payload)
        future.add_done_callback(
            lambda f: f.exception() and print(f"Logs subscription: {f.exception()!r}")
        )
        return None

    original_put = LogsBackend.put_subscription_filter

    def put_subscription_filter(
        self: LogsBackend,
        log_group_name: str,
        filter_name: str,
        filter_pattern: str,
        destination_arn: str,
        role_arn: str,
    ) -> None:
        if destination_arn.split(":")[2:3] == ["lambda"] and log_group_name in self.groups:
            group_arn = f"arn:{self.partition}:logs:{self.region_name}:{self.account_id}"
            source = f"{group_arn}:log-group:{log_group_name}:*"
            try:
                region, account = destination_arn.split(":")[3:5]
                statements = (
                    lambda_backends[account][region].get_function(destination_arn).policy.statements
                )
            except Exception:
                statements = []
            if not any(
                _policy_lets_rule_invoke(statements, source, self.account_id, service)
                for service in ("logs.amazonaws.com", f"logs.{self.region_name}.amazonaws.com")
            ):
                raise InvalidParameterException(
                    "Could not execute the lambda function. Make sure you have given CloudWatch"
                    " Logs permission to execute your function."
                )
        return original_put(
            self, log_group_name, filter_name, filter_pattern, destination_arn, role_arn
        )

    LogStream._send_log_events = _send_log_events
    LogsBackend.put_subscription_filter = put_subscription_filter


def stepfunctions_sync_tasks_wait_for_express_children() -> None:
    """moto 5.2.5's ``states:startExecution.sync`` (and ``.sync:2``) polls DescribeExecution.

    On AWS a Standard parent may run an EXPRESS child with ``.sync`` and gets its result in the
    DescribeExecution shape, although callers may not describe Express executions themselves.
    The interpreter polls through the public API, which refuses Express ARNs (as AWS does, see
    ``stepfunctions_express_executions``): here its client reads an Express child from the
    backend instead, every other call unchanged.
    """
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_sfn as module,
    )
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    original_client_for = module.boto_client_for

    class ExpressAwareClient:
        def __init__(self, client: Any) -> None:
            self._client = client

        def __getattr__(self, name: str) -> Any:
            return getattr(self._client, name)

        def describe_execution(self, executionArn: str) -> Any:
            parts = executionArn.split(":")
            if parts[5:6] != ["express"]:
                return self._client.describe_execution(executionArn=executionArn)
            backend = stepfunctions_parser_backends[parts[4]][parts[3]]
            for machine in backend.state_machines:
                for execution in getattr(machine, "executions", []):
                    if execution.exec_arn == executionArn:
                        return execution.to_describe_output()
            return self._client.describe_execution(executionArn=executionArn)  # refused

    def boto_client_for(*args: Any, **kwargs: Any) -> Any:
        return ExpressAwareClient(original_client_for(*args, **kwargs))

    module.boto_client_for = boto_client_for


def apply_all() -> None:
    stepfunctions_express_executions()
    stepfunctions_sync_tasks_wait_for_express_children()
    logs_json_filter_patterns()
    logs_subscription_filters_deliver_as_aws()
