"""Gaps in moto 5.2.5's Step Functions interpreter (server mode) that the backfill runs into: a
Distributed Map over an S3 listing, a ``states:startExecution.sync:2`` child per item, and an
execution started without a name.

Each patch is one function, applied by ``patches.apply_all``.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from typing import Any


def stepfunctions_tolerated_failure_percentage_integer() -> None:
    """moto 5.2.5's ASL grammar takes ``ToleratedFailurePercentage`` only as a decimal number
    (``5.0``), and refuses the integer AWS accepts (``5``) with an ASLParserException: the
    definition is given to the parser with that field as a float."""
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    original = AmazonStateLanguageParser.parse

    def _floats(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: float(value)
                if key == "ToleratedFailurePercentage" and type(value) is int
                else _floats(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [_floats(value) for value in node]
        return node

    def parse(definition: str) -> Any:
        # Not JSON: the parser says what is wrong with it.
        with contextlib.suppress(TypeError, ValueError):
            definition = json.dumps(_floats(json.loads(definition)))
        return original(definition)

    AmazonStateLanguageParser.parse = staticmethod(parse)


def stepfunctions_sfn_integration_shapes() -> None:
    """moto 5.2.5 calls Step Functions integrations (``arn:aws:states:::states:startExecution``,
    ``.sync``, ``.sync:2``) with the state's PascalCase parameters (``StateMachineArn``), which
    botocore cannot serialise (KeyError), and returns boto3's camelCase response where AWS
    gives ``ExecutionArn``: the request and response are converted through the operation's
    shapes, as AWS (and moto's own unused helpers ``_to_boto_request``/``_from_boto_response``)
    do."""
    import boto3
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (  # noqa: E501
        StateTaskServiceSfn,
    )
    from moto.stepfunctions.parser.utils import camel_to_snake_case

    model = boto3.session.Session().client("stepfunctions", region_name="us-east-1").meta
    operations = {
        camel_to_snake_case(name): model.service_model.operation_model(name)
        for name in model.service_model.operation_names
    }
    original = StateTaskServiceSfn._normalise_parameters

    def _normalise_parameters(
        self: Any,
        parameters: dict,
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        original(self, parameters, boto_service_name, service_action_name)
        operation = operations.get(self._get_boto_service_action(service_action_name))
        if operation is not None and operation.input_shape is not None:
            self._to_boto_request(parameters, operation.input_shape)

    def _normalise_response(
        self: Any,
        response: Any,
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        operation = operations.get(self._get_boto_service_action(service_action_name))
        if operation is None or operation.output_shape is None or not isinstance(response, dict):
            return
        self._from_boto_response(response, operation.output_shape)
        for key, value in list(response.items()):
            if isinstance(value, datetime):  # AWS gives dates as epoch milliseconds
                response[key] = int(value.timestamp() * 1000)

    StateTaskServiceSfn._normalise_parameters = _normalise_parameters
    StateTaskServiceSfn._normalise_response = _normalise_response


def stepfunctions_item_reader_list_objects_v2() -> None:
    """moto 5.2.5's ItemReader on ``arn:aws:states:::s3:listObjectsV2`` reads only the first
    page (1,000 keys), fails on an empty listing (KeyError ``Contents``), and yields boto3's
    objects (``ETag``, a datetime ``LastModified``) where AWS yields ``{"Etag", "Key",
    "LastModified" (epoch seconds), "Size", "StorageClass"}``: every page, AWS's item shape."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3 import (  # noqa: E501
        ResourceEvalS3,
    )

    def _handle_list_objects_v2(
        env: Any, resource_runtime_part: Any, state_credentials: Any
    ) -> None:
        s3_client = ResourceEvalS3._get_s3_client(
            resource_runtime_part=resource_runtime_part, state_credentials=state_credentials
        )
        parameters = dict(env.stack.pop())
        items: list[dict[str, Any]] = []
        while True:
            response = s3_client.list_objects_v2(**parameters)
            items.extend(
                {
                    "Etag": entry.get("ETag"),
                    "Key": entry["Key"],
                    "LastModified": int(entry["LastModified"].timestamp()),
                    "Size": entry.get("Size", 0),
                    "StorageClass": entry.get("StorageClass", "STANDARD"),
                }
                for entry in response.get("Contents", [])
            )
            if not response.get("IsTruncated"):
                break
            parameters["ContinuationToken"] = response["NextContinuationToken"]
        env.stack.append(items)

    ResourceEvalS3._handle_list_objects_v2 = staticmethod(_handle_list_objects_v2)


def stepfunctions_tolerated_failure_threshold() -> None:
    """moto 5.2.5 counts a Distributed Map's failed items but never compares them with
    ``ToleratedFailureCount``/``ToleratedFailurePercentage`` (its MapRunRecord says "TODO"):
    the map state ends SUCCEEDED whatever failed. As on AWS, more failed (or timed out) items
    than tolerated fail the map with ``States.ExceedToleratedFailureThreshold``."""
    from moto.stepfunctions.parser.api import HistoryEventType, MapRunFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.distributed_iteration_component import (  # noqa: E501
        DistributedIterationComponent,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    original = DistributedIterationComponent._map_run

    def _map_run(self: Any, env: Any, eval_input: Any) -> None:
        original(self, env, eval_input)
        record = eval_input.map_run_record
        counter = record.item_counter
        total = counter.total.get()
        failed = counter.failed.get() + counter.timed_out.get()
        count = record.tolerated_failure_count or 0
        percentage = record.tolerated_failure_percentage or 0.0
        if failed == 0 or failed <= count or (total and 100.0 * failed / total <= percentage):
            return
        error = StatesErrorNameType.StatesExceedToleratedFailureThreshold.to_name()
        cause = "The specified tolerated failure threshold was exceeded"
        raise FailureEventException(
            FailureEvent(
                env=env,
                error_name=StatesErrorName(
                    typ=StatesErrorNameType.StatesExceedToleratedFailureThreshold
                ),
                event_type=HistoryEventType.MapRunFailed,
                event_details=EventDetails(
                    mapRunFailedEventDetails=MapRunFailedEventDetails(error=error, cause=cause)
                ),
            )
        )

    DistributedIterationComponent._map_run = _map_run


def stepfunctions_execution_name_defaults_to_a_uuid() -> None:
    """moto 5.2.5's interpreter backend names an execution started without ``name`` "None"
    (so a second such start is ExecutionAlreadyExists); AWS names it with a new UUID."""
    import uuid

    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.start_execution

    def start_execution(
        self: Any, state_machine_arn: str, name: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        return original(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

    StepFunctionsParserBackend.start_execution = start_execution


def apply_all() -> None:
    stepfunctions_tolerated_failure_percentage_integer()
    stepfunctions_sfn_integration_shapes()
    stepfunctions_item_reader_list_objects_v2()
    stepfunctions_tolerated_failure_threshold()
    stepfunctions_execution_name_defaults_to_a_uuid()
