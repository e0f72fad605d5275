"""The state machine definition, as Terraform renders it from statemachine.json.tftpl in the
pipeline module's plan, checked against docs/contracts.md."""

from __future__ import annotations

import json
import re

import pytest
from tfharness import ROOT, planned, policy_statements, readme_usage

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
# A direct integration names its errors <Service>.<Exception>: the same throttling, under its name.
SDK_THROTTLING = {"ThrottlingException", "ProvisionedThroughputExceededException"}
NAMED = {
    "ImageIdentifyError",
    "FileTypeNotSupported",
    "ImageTooLarge",
    "ImageDecodeError",
    "InvalidInput",
    "OwnerMismatch",
}
CATCH_ALL = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RecordFailure"}]
LAMBDA = "arn:aws:lambda:eu-west-1:123456789012:function:photos-dev-"
DETECT_LABELS = "arn:aws:states:::aws-sdk:rekognition:detectLabels"
DETECT_MODERATION_LABELS = "arn:aws:states:::aws-sdk:rekognition:detectModerationLabels"
UPDATE_ITEM = "arn:aws:states:::dynamodb:updateItem"
# The only direct service integrations, by the service that names their errors.
SERVICES = {
    DETECT_LABELS: "Rekognition",
    DETECT_MODERATION_LABELS: "Rekognition",
    UPDATE_ITEM: "DynamoDB",
}
# What Rekognition refuses to read: the rendition Lambda's cue, never retried.
REFUSALS = ["Rekognition.ImageTooLargeException", "Rekognition.InvalidImageFormatException"]
NEVER_RETRIED = (
    NAMED
    | set(REFUSALS)
    | {
        "States.ALL",
        "States.TaskFailed",
        "DynamoDB.ConditionalCheckFailedException",
    }
)
TABLE = "photos-dev-ImageMetadata"


def _definition(plan, case: str, usage: str) -> dict:
    plan_json = plan(f"environments/case-pipeline-{case}", main_tf=usage)
    sm = planned(plan_json)["module.pipeline.aws_sfn_state_machine.this"]
    return json.loads(sm["definition"])


@pytest.fixture(scope="module")
def asl(plan) -> dict:
    return _definition(plan, "readme", readme_usage("pipeline"))


@pytest.fixture(scope="module")
def jpeg_png_asl(plan) -> dict:
    """A deployment that accepts only what Rekognition reads itself."""
    usage = readme_usage("pipeline").replace(
        "  tracing_enabled = true",
        '  image_settings = { formats = ["JPEG", "PNG"] }\n  tracing_enabled = true',
    )
    assert "formats" in usage
    return _definition(plan, "jpeg-png", usage)


@pytest.fixture(scope="module")
def moderation_plan(plan) -> dict:
    """The README's usage with the moderation branch on, at 70 %."""
    usage = readme_usage("pipeline").replace(
        "  tracing_enabled = true",
        "  moderation = { enabled = true, min_confidence = 70 }\n  tracing_enabled = true",
    )
    assert "moderation" in usage
    return planned(plan("environments/case-pipeline-moderation", main_tf=usage))


@pytest.fixture(scope="module")
def moderation_asl(moderation_plan) -> dict:
    return json.loads(moderation_plan["module.pipeline.aws_sfn_state_machine.this"]["definition"])


@pytest.fixture(scope="module")
def express_asl(plan) -> dict:
    usage = (ROOT / "tests" / "modules" / "cases" / "pipeline" / "express-kms.tf").read_text()
    return _definition(plan, "express-kms", usage)


def all_states(asl: dict) -> dict[str, dict]:
    out = {}
    for name, state in asl["States"].items():
        out[name] = state
        for branch in state.get("Branches", []):
            out.update(all_states(branch))
    return out


def service(state: dict) -> str:
    """Lambda for a function ARN, else the direct integration's service (an unknown one fails)."""
    if state["Resource"].startswith(LAMBDA):  # the function ARN itself, this module's own
        return "Lambda"
    assert state["Resource"] in SERVICES, state["Resource"]
    return SERVICES[state["Resource"]]


def tasks(asl: dict) -> dict[str, dict]:
    return {n: s for n, s in all_states(asl).items() if s["Type"] == "Task"}


def test_shape(asl):
    states = asl["States"]
    assert asl["StartAt"] == "ExtractImageMetadata"
    assert {n: s["Type"] for n, s in states.items()} == {
        "ExtractImageMetadata": "Task",
        "ImageTypeCheck": "Choice",
        "RecordNotSupportedImageType": "Task",
        "NotSupportedImageType": "Fail",
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
    labels, thumbnail = parallel["Branches"]
    assert (labels["StartAt"], thumbnail["StartAt"]) == ("LabelSource", "GenerateThumbnail")
    assert {n: s["Type"] for n, s in labels["States"].items()} == {
        "LabelSource": "Choice",
        "DetectLabels": "Task",
        "DetectLabelsOfCurrentObject": "Task",
        "DetectLabelsOfRendition": "Task",
    }
    assert {n: s["Type"] for n, s in thumbnail["States"].items()} == {"GenerateThumbnail": "Task"}
    assert parallel["Next"] == "StoreImageMetadata"
    assert states["StoreImageMetadata"]["End"] is True
    # Three steps need no code: the labels, and recording an unsupported type.
    direct = {n for n, s in tasks(asl).items() if service(s) != "Lambda"}
    assert direct == {"DetectLabels", "DetectLabelsOfCurrentObject", "RecordNotSupportedImageType"}


def test_same_definition_for_standard_and_express(asl, express_asl):
    """One definition serves both workflow types: only the timeout differs (900 s, 300 s)."""
    assert (asl["TimeoutSeconds"], express_asl["TimeoutSeconds"]) == (900, 300)
    assert {**express_asl, "TimeoutSeconds": 900} == asl


# The names imaging.pipeline_format reports (image_pipeline.imaging.ALL_FORMATS).
LIBRARY_FORMATS = ["JPEG", "PNG", "HEIF", "AVIF", "WEBP", "GIF"]


def test_type_check(asl, jpeg_png_asl):
    """One choice per accepted format (image_settings.formats: every format the library reads
    by default), as extract_metadata names them; anything else is FileTypeNotSupported."""
    choice = asl["States"]["ImageTypeCheck"]
    assert [(c["Variable"], c["StringEquals"], c["Next"]) for c in choice["Choices"]] == [
        ("$.extractedMetadata.format", f, "TransformMetadata") for f in LIBRARY_FORMATS
    ]
    assert choice["Default"] == "RecordNotSupportedImageType"
    narrow = jpeg_png_asl["States"]["ImageTypeCheck"]
    assert [c["StringEquals"] for c in narrow["Choices"]] == ["JPEG", "PNG"]
    assert narrow["Default"] == "RecordNotSupportedImageType"
    # The execution ends FAILED with the named error, whatever the write did.
    assert asl["States"]["NotSupportedImageType"] == {
        "Type": "Fail",
        "Error": "FileTypeNotSupported",
        "Cause": "Image type not supported!",
    }
    assert "FileTypeNotSupported" in NAMED


def test_unsupported_type_is_one_conditional_write(asl):
    """FAILED FileTypeNotSupported by one DynamoDB UpdateItem, only while the item still names
    this execution ($$.Execution.Name): a newer upload's item is left alone."""
    record = asl["States"]["RecordNotSupportedImageType"]
    assert record["Resource"] == UPDATE_ITEM
    params = record["Parameters"]
    assert params["TableName"] == TABLE
    assert params["Key"] == {"imageID": {"S.$": "$.imageID"}}
    assert params["ConditionExpression"] == "executionName = :name"
    names = params.get("ExpressionAttributeNames", {})
    values = params["ExpressionAttributeValues"]
    assert values[":name"] == {"S.$": "$$.Execution.Name"}
    # Every placeholder used is defined, every one defined is used (DynamoDB refuses either).
    expressions = params["UpdateExpression"] + " " + params["ConditionExpression"]
    assert set(re.findall(r"#\w+", expressions)) == set(names)
    assert set(re.findall(r":\w+", expressions)) == set(values)
    update = params["UpdateExpression"]
    assert update.startswith("SET ") and " REMOVE " not in update
    assignments = dict(a.split(" = ") for a in update.removeprefix("SET ").split(", "))
    written = {names.get(attr, attr): values[value] for attr, value in assignments.items()}
    fail = asl["States"]["NotSupportedImageType"]
    assert written == {
        "processingStatus": {"S": "FAILED"},
        "error": {"S": fail["Error"]},
        "cause": {"S": fail["Cause"]},
        "executionArn": {"S.$": "$$.Execution.Id"},
    }
    # The input is kept; the write's failure (the condition, DynamoDB down after its retries)
    # still ends the execution with FileTypeNotSupported, not in RecordFailure.
    assert record["ResultPath"] is None
    assert record["Next"] == "NotSupportedImageType"
    (catch,) = record["Catch"]
    assert (catch["ErrorEquals"], catch["Next"]) == (["States.ALL"], "NotSupportedImageType")
    assert catch["ResultPath"] not in ("$", "$.error")


def test_labels_from_rekognition_directly(asl, jpeg_png_asl):
    """Rekognition reads the version start_execution saw (none to name in an unversioned bucket);
    a format it cannot read (anything but JPEG and PNG, by TransformMetadata's imageFormat) goes
    straight to the detect_labels function for a rendition, in the same Choice (no extra state
    for JPEG and PNG), as do its two refusals."""
    branch = asl["States"]["ParallelProcessing"]["Branches"][0]["States"]
    choice = branch["LabelSource"]
    by_version = {"Variable": "$.s3VersionId", "IsString": True, "Next": "DetectLabels"}
    rekognition_reads = [
        {"Variable": "$.extractedMetadata.imageFormat", "StringEquals": f} for f in ("JPEG", "PNG")
    ]
    assert choice["Choices"] == [
        {"Not": {"Or": rekognition_reads}, "Next": "DetectLabelsOfRendition"},
        by_version,
    ]
    assert choice["Default"] == "DetectLabelsOfCurrentObject"
    # Accepting only JPEG and PNG, the format is never asked.
    narrow = jpeg_png_asl["States"]["ParallelProcessing"]["Branches"][0]["States"]["LabelSource"]
    assert narrow["Choices"] == [by_version]
    assert narrow["Default"] == "DetectLabelsOfCurrentObject"
    versioned, current = branch["DetectLabels"], branch["DetectLabelsOfCurrentObject"]
    assert versioned["Parameters"] == {
        "Image": {
            "S3Object": {
                "Bucket.$": "$.s3Bucket",
                "Name.$": "$.s3Key",
                "Version.$": "$.s3VersionId",
            }
        },
        "MaxLabels": 10,  # image_settings' defaults, as the function has them
        "MinConfidence": 60,
    }
    unversioned = json.loads(json.dumps(versioned["Parameters"]))
    del unversioned["Image"]["S3Object"]["Version.$"]
    assert current["Parameters"] == unversioned
    rendition = [{"ErrorEquals": REFUSALS, "ResultPath": None, "Next": "DetectLabelsOfRendition"}]
    for state in (versioned, current):
        assert state["Resource"] == DETECT_LABELS
        assert state["OutputPath"] == "$.Labels"  # what StoreImageMetadata stores as tags
        assert state["End"] is True
        # Only the refusals, with the original input (ResultPath null) for the function.
        assert state["Catch"] == rendition
    fallback = branch["DetectLabelsOfRendition"]
    assert fallback["Resource"] == LAMBDA + "detect-labels"
    assert fallback["Parameters"] == {
        "s3Bucket.$": "$.s3Bucket",
        "s3Key.$": "$.s3Key",
        "s3VersionId.$": "$.s3VersionId",
        "rendition": True,
    }
    assert fallback["End"] is True
    assert "OutputPath" not in fallback and "ResultPath" not in fallback


def test_parameters(asl):
    states = all_states(asl)
    assert states["StoreImageMetadata"]["Parameters"] == {
        "imageID.$": "$.imageID",
        "executionName.$": "$$.Execution.Name",
        "executionArn.$": "$$.Execution.Id",
        "metadata.$": "$.extractedMetadata",
        "tags.$": "$.parallelResults[0]",
        # GenerateThumbnail's whole output (optional hashes included: no path to miss); the
        # function takes the thumbnail from it.
        "renditions.$": "$.parallelResults[1]",
    }
    assert states["RecordFailure"]["Parameters"] == {
        "imageID.$": "$.imageID",
        "executionName.$": "$$.Execution.Name",
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
    assert states["GenerateThumbnail"]["Parameters"] == {
        "s3Bucket.$": "$.s3Bucket",
        "s3Key.$": "$.s3Key",
        "s3VersionId.$": "$.s3VersionId",
        "imageID.$": "$.imageID",
    }
    assert states["DetectLabelsOfRendition"]["Parameters"]["s3VersionId.$"] == "$.s3VersionId"


def test_every_step_failure_is_recorded(asl):
    top = asl["States"]
    for name in (
        "ExtractImageMetadata",
        "TransformMetadata",
        "ParallelProcessing",
        "StoreImageMetadata",
    ):
        assert top[name]["Catch"] == CATCH_ALL, name
    # Any other step that can fail records it too, but the two recording steps themselves.
    for name, state in top.items():
        if state["Type"] in ("Task", "Parallel") and not name.startswith("Record"):
            assert state["Catch"] == CATCH_ALL, name
    # Branch tasks cannot leave their branch: the Parallel's Catch covers them. The direct
    # DetectLabels calls catch only Rekognition's refusals, into the rendition in the branch.
    for branch in top["ParallelProcessing"]["Branches"]:
        for name, state in branch["States"].items():
            for catch in state.get("Catch", []):
                assert catch["ErrorEquals"] == REFUSALS, name
                assert catch["Next"] in branch["States"], name
            if state.get("Resource", "").startswith(LAMBDA):
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
    seen = set()
    for name, state in tasks(asl).items():
        svc = service(state)
        seen.add(svc)
        throttled, transient = state["Retry"]
        retried = set(throttled["ErrorEquals"]) | set(transient["ErrorEquals"])
        if svc == "Lambda":
            assert retried >= TRANSIENT, name
        else:
            # Only errors under the service's own name can match a direct integration's.
            assert all(e.startswith(f"{svc}.") for e in retried), (name, retried)
            assert f"{svc}.InternalServerError" in transient["ErrorEquals"], name
        assert not retried & NEVER_RETRIED, (name, retried & NEVER_RETRIED)
        assert not set(throttled["ErrorEquals"]) & set(transient["ErrorEquals"])
        for retry in (throttled, transient):
            assert retry["MaxAttempts"] >= 2 and retry["BackoffRate"] > 1
    assert seen == {"Lambda", "Rekognition", "DynamoDB"}


def test_lambda_steps_retry_alike(asl):
    """Every function step, the rendition too, has the one Lambda retry policy."""
    policies = {
        name: json.dumps(state["Retry"], sort_keys=True)
        for name, state in tasks(asl).items()
        if service(state) == "Lambda"
    }
    assert set(policies) == {
        "ExtractImageMetadata",
        "TransformMetadata",
        "DetectLabelsOfRendition",
        "GenerateThumbnail",
        "StoreImageMetadata",
        "RecordFailure",
    }
    assert len(set(policies.values())) == 1, policies


def test_throttled_steps_wait_longer_with_jitter(asl):
    """A step at its reserved concurrency is throttled: a burst of uploads must queue, not
    fail after a few seconds, and still fit an EXPRESS execution's five minutes."""
    for name, state in tasks(asl).items():
        svc = service(state)
        throttled = state["Retry"][0]
        wanted = THROTTLING if svc == "Lambda" else {f"{svc}.{e}" for e in SDK_THROTTLING}
        assert set(throttled["ErrorEquals"]) >= wanted, name
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


def test_moderation_is_a_third_branch_only_when_enabled(asl, moderation_asl):
    """moderation.enabled adds DetectModerationLabels as a third parallel branch, read as the
    labels are (the version, or a rendition for other formats and refusals), whose answer
    StoreImageMetadata takes; everything else is the definition without it."""
    assert len(asl["States"]["ParallelProcessing"]["Branches"]) == 2
    assert "moderationLabels.$" not in asl["States"]["StoreImageMetadata"]["Parameters"]
    parallel = moderation_asl["States"]["ParallelProcessing"]
    labels, thumbnail, moderation = parallel["Branches"]
    assert [labels, thumbnail] == asl["States"]["ParallelProcessing"]["Branches"]
    assert moderation["StartAt"] == "ModerationSource"
    states = moderation["States"]
    assert {n: s["Type"] for n, s in states.items()} == {
        "ModerationSource": "Choice",
        "DetectModerationLabels": "Task",
        "DetectModerationLabelsOfCurrentObject": "Task",
        "DetectModerationLabelsOfRendition": "Task",
    }
    label_choices = labels["States"]["LabelSource"]["Choices"]
    assert states["ModerationSource"]["Choices"] == [
        {**label_choices[0], "Next": "DetectModerationLabelsOfRendition"},
        {**label_choices[1], "Next": "DetectModerationLabels"},
    ]
    assert states["ModerationSource"]["Default"] == "DetectModerationLabelsOfCurrentObject"
    refusals = [
        {"ErrorEquals": REFUSALS, "ResultPath": None, "Next": "DetectModerationLabelsOfRendition"}
    ]
    for name, version in (
        ("DetectModerationLabels", True),
        ("DetectModerationLabelsOfCurrentObject", False),
    ):
        state = states[name]
        assert state["Resource"] == DETECT_MODERATION_LABELS
        assert state["Parameters"]["MinConfidence"] == 70
        assert ("Version.$" in state["Parameters"]["Image"]["S3Object"]) is version
        assert state["OutputPath"] == "$.ModerationLabels"
        assert state["Catch"] == refusals
        assert state["Retry"] == labels["States"]["DetectLabels"]["Retry"]
    fallback = states["DetectModerationLabelsOfRendition"]
    assert fallback["Resource"] == LAMBDA + "detect-labels"
    assert fallback["Parameters"] == {
        "s3Bucket.$": "$.s3Bucket",
        "s3Key.$": "$.s3Key",
        "s3VersionId.$": "$.s3VersionId",
        "rendition": True,
        "moderation": True,
    }
    store = moderation_asl["States"]["StoreImageMetadata"]["Parameters"]
    assert store == {
        **asl["States"]["StoreImageMetadata"]["Parameters"],
        "moderationLabels.$": "$.parallelResults[2]",
    }
    others = {
        n: s
        for n, s in moderation_asl["States"].items()
        if n not in ("ParallelProcessing", "StoreImageMetadata")
    }
    assert others == {
        n: s
        for n, s in asl["States"].items()
        if n not in ("ParallelProcessing", "StoreImageMetadata")
    }
    test_transitions_are_closed(moderation_asl)


def test_moderation_permissions(moderation_plan):
    """DetectModerationLabels for the state machine and the rendition function, only then; the
    function's confidence as the direct call's."""

    def function_policy(values: dict, key: str) -> dict:
        return policy_statements(
            values[f'module.pipeline.aws_iam_role_policy.function["{key}"]']["policy"]
        )

    sm_policy = policy_statements(
        moderation_plan["module.pipeline.aws_iam_role_policy.state_machine"]["policy"]
    )
    assert sm_policy["DetectModerationLabels"]["Action"] == ["rekognition:DetectModerationLabels"]
    assert sm_policy["DetectModerationLabels"]["Resource"] == ["*"]  # it takes no resource ARN
    detect = function_policy(moderation_plan, "detect_labels")
    assert detect["DetectModerationLabels"] == sm_policy["DetectModerationLabels"]
    for key in ("extract_metadata", "generate_thumbnail", "store_metadata"):
        assert "DetectModerationLabels" not in function_policy(moderation_plan, key)
    functions = moderation_plan['module.pipeline.aws_lambda_function.this["detect_labels"]']
    assert functions["environment"][0]["variables"]["MODERATION_MIN_CONFIDENCE"] == "70"
