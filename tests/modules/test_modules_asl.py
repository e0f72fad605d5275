"""The state machine definition, as Terraform renders it from statemachine.json.tftpl in the
pipeline module's plan, checked against docs/contracts.md."""

from __future__ import annotations

import json

import pytest
from tfharness import planned, readme_usage

TRANSIENT = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
}
THROTTLING = {
    "Lambda.TooManyRequestsException",
    "ThrottlingException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
}
NAMED = {
    "ImageIdentifyError",
    "FileTypeNotSupported",
    "ImageTooLarge",
    "ImageDecodeError",
    "InvalidInput",
    "OwnerMismatch",
}
CATCH_ALL = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RecordFailure"}]


@pytest.fixture(scope="module")
def asl(plan) -> dict:
    plan_json = plan("environments/case-pipeline-readme", main_tf=readme_usage("pipeline"))
    sm = planned(plan_json)["module.pipeline.aws_sfn_state_machine.this"]
    return json.loads(sm["definition"])


def all_states(asl: dict) -> dict[str, dict]:
    out = {}
    for name, state in asl["States"].items():
        out[name] = state
        for branch in state.get("Branches", []):
            out.update(all_states(branch))
    return out


def test_shape(asl):
    states = asl["States"]
    assert asl["StartAt"] == "ExtractImageMetadata"
    assert {n: s["Type"] for n, s in states.items()} == {
        "ExtractImageMetadata": "Task",
        "ImageTypeCheck": "Choice",
        "NotSupportedImageType": "Pass",
        "TransformMetadata": "Task",
        "ParallelProcessing": "Parallel",
        "StoreImageMetadata": "Task",
        "RecordFailure": "Task",
        "ExecutionFailed": "Fail",
    }
    assert states["ExtractImageMetadata"]["ResultPath"] == "$.extractedMetadata"
    assert states["ExtractImageMetadata"]["Next"] == "ImageTypeCheck"
    transform = states["TransformMetadata"]
    assert (transform["InputPath"], transform["ResultPath"]) == ("$.extractedMetadata",) * 2
    assert transform["Next"] == "ParallelProcessing"
    parallel = states["ParallelProcessing"]
    assert parallel["ResultPath"] == "$.parallelResults"
    assert [b["StartAt"] for b in parallel["Branches"]] == ["DetectLabels", "GenerateThumbnail"]
    assert parallel["Next"] == "StoreImageMetadata"
    assert states["StoreImageMetadata"]["End"] is True


def test_type_check(asl):
    choice = asl["States"]["ImageTypeCheck"]
    assert [(c["Variable"], c["StringEquals"], c["Next"]) for c in choice["Choices"]] == [
        ("$.extractedMetadata.format", "JPEG", "TransformMetadata"),
        ("$.extractedMetadata.format", "PNG", "TransformMetadata"),
    ]
    assert choice["Default"] == "NotSupportedImageType"
    unsupported = asl["States"]["NotSupportedImageType"]
    assert unsupported["Result"]["Error"] == "FileTypeNotSupported"
    assert (unsupported["ResultPath"], unsupported["Next"]) == ("$.error", "RecordFailure")


def test_parameters(asl):
    states = all_states(asl)
    assert states["StoreImageMetadata"]["Parameters"] == {
        "imageID.$": "$.imageID",
        "executionArn.$": "$$.Execution.Id",
        "metadata.$": "$.extractedMetadata",
        "tags.$": "$.parallelResults[0]",
        "thumbnail.$": "$.parallelResults[1]",
    }
    assert states["RecordFailure"]["Parameters"] == {
        "imageID.$": "$.imageID",
        "executionArn.$": "$$.Execution.Id",
        "error.$": "$.error.Error",
        "cause.$": "$.error.Cause",
    }
    # Every step that reads the object reads the version start_execution saw.
    assert states["ExtractImageMetadata"]["Parameters"] == {
        "s3Bucket.$": "$.s3Bucket",
        "s3Key.$": "$.s3Key",
        "s3VersionId.$": "$.s3VersionId",
        "imageID.$": "$.imageID",
    }
    assert states["DetectLabels"]["Parameters"] == {
        "s3Bucket.$": "$.s3Bucket",
        "s3Key.$": "$.s3Key",
        "s3VersionId.$": "$.s3VersionId",
    }
    assert states["GenerateThumbnail"]["Parameters"] == {
        "s3Bucket.$": "$.s3Bucket",
        "s3Key.$": "$.s3Key",
        "s3VersionId.$": "$.s3VersionId",
        "imageID.$": "$.imageID",
    }


def test_every_step_failure_is_recorded(asl):
    top = asl["States"]
    for name in (
        "ExtractImageMetadata",
        "TransformMetadata",
        "ParallelProcessing",
        "StoreImageMetadata",
    ):
        assert top[name]["Catch"] == CATCH_ALL, name
    # Branch tasks cannot leave their branch: the Parallel's Catch covers them.
    for branch in top["ParallelProcessing"]["Branches"]:
        for name, state in branch["States"].items():
            assert "Catch" not in state, name
    # Recording the failure, even if that fails too, ends in the Fail state with the original error.
    record = top["RecordFailure"]
    assert record["Next"] == "ExecutionFailed"
    assert [c["Next"] for c in record["Catch"]] == ["ExecutionFailed"]
    assert record["Catch"][0]["ResultPath"] not in ("$", "$.error")
    assert top["ExecutionFailed"] == {
        "Type": "Fail",
        "ErrorPath": "$.error.Error",
        "CausePath": "$.error.Cause",
    }


def test_retries_transient_errors_only(asl):
    for name, state in all_states(asl).items():
        if state["Type"] != "Task":
            continue
        assert state["Resource"].startswith("arn:aws:lambda:"), name  # the function ARN itself
        throttled, transient = state["Retry"]
        retried = set(throttled["ErrorEquals"]) | set(transient["ErrorEquals"])
        assert retried >= TRANSIENT, name
        assert not retried & (NAMED | {"States.ALL", "States.TaskFailed"})
        assert not set(throttled["ErrorEquals"]) & set(transient["ErrorEquals"])
        for retry in (throttled, transient):
            assert retry["MaxAttempts"] >= 2 and retry["BackoffRate"] > 1


def test_throttled_steps_wait_longer_with_jitter(asl):
    """A step at its reserved concurrency is throttled: a burst of uploads must queue, not
    fail after a few seconds, and still fit an EXPRESS execution's five minutes."""
    for name, state in all_states(asl).items():
        if state["Type"] != "Task":
            continue
        throttled = state["Retry"][0]
        assert set(throttled["ErrorEquals"]) >= THROTTLING, name
        assert throttled["JitterStrategy"] == "FULL"
        waits = [
            min(
                throttled["IntervalSeconds"] * throttled["BackoffRate"] ** n,
                throttled["MaxDelaySeconds"],
            )
            for n in range(throttled["MaxAttempts"])
        ]
        assert 60 <= sum(waits) <= 120, waits


def test_transitions_are_closed(asl):
    def check(machine):
        names = set(machine["States"])
        reached = {machine["StartAt"]}
        for state in machine["States"].values():
            targets = [state.get("Next"), state.get("Default")]
            targets += [c["Next"] for c in state.get("Choices", []) + state.get("Catch", [])]
            for target in filter(None, targets):
                assert target in names, target
                reached.add(target)
            for branch in state.get("Branches", []):
                check(branch)
        assert reached == names, f"unreachable: {names - reached}"

    check(asl)
