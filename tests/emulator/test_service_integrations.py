"""Task states that call services directly run against the emulator's own services as on AWS:
``aws-sdk:rekognition:detectLabels`` (Rekognition's answer, its refusals of images it cannot
take, named ``Rekognition.<Exception>`` for Retry and Catch) and the optimized
``dynamodb:putItem`` / ``dynamodb:updateItem`` (a failed ConditionExpression is
``DynamoDB.ConditionalCheckFailedException``)."""

from __future__ import annotations

import contextlib
import io
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from PIL import Image

from tests.conftest import LocalAws

ROLE = "arn:aws:iam::123456789012:role/service-integrations"
MB = 1024 * 1024


def _jpeg(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), colour).save(out, "JPEG")
    return out.getvalue()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(out, "PNG")
    return out.getvalue()


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "green").save(out, "GIF")
    return out.getvalue()


@pytest.fixture(scope="module")
def world(local_aws: LocalAws) -> Iterator[dict[str, Any]]:
    s3, ddb = local_aws.client("s3"), local_aws.client("dynamodb")
    sfn = local_aws.client("stepfunctions")
    run = uuid.uuid4().hex[:8]
    bucket, table = f"integrations-{run}", f"integrations-{run}"
    made: dict[str, Any] = {"bucket": bucket, "table": table, "machines": [], "run": run}
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    objects = {
        "photo.jpg": _jpeg(),
        "photo.png": _png(),
        "photo.gif": _gif(),
        "huge.jpg": b"\xff\xd8\xff\xe0" + bytes(15 * MB + 1),
    }
    made["versions"] = {
        key: s3.put_object(Bucket=bucket, Key=key, Body=body)["VersionId"]
        for key, body in objects.items()
    }
    # A newer version under the same key that is not an image: Version must pick the old one.
    s3.put_object(Bucket=bucket, Key="photo.jpg", Body=b"now a text file")

    def machine(name: str, definition: dict[str, Any]) -> str:
        arn = sfn.create_state_machine(
            name=f"{name}-{run}", definition=json.dumps(definition), roleArn=ROLE
        )["stateMachineArn"]
        made["machines"].append(arn)
        return arn

    made["machine"] = machine
    try:
        yield made
    finally:
        for arn in made["machines"]:
            with contextlib.suppress(ClientError):
                sfn.delete_state_machine(stateMachineArn=arn)
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
                s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])
        s3.delete_bucket(Bucket=bucket)
        ddb.delete_table(TableName=table)


def _run(local_aws: LocalAws, arn: str, payload: Any, timeout_s: float = 30) -> dict[str, Any]:
    sfn = local_aws.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(payload))["executionArn"]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            history = sfn.get_execution_history(executionArn=execution, maxResults=1000)
            return {**described, "history": history["events"]}
        time.sleep(0.2)
    raise AssertionError(f"{execution} still running")


DETECT_LABELS = {
    "StartAt": "Labels",
    "States": {
        "Labels": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:rekognition:detectLabels",
            "Parameters": {
                "Image": {
                    "S3Object": {
                        "Bucket.$": "$.bucket",
                        "Name.$": "$.key",
                        "Version.$": "$.version",
                    }
                },
                "MaxLabels": 10,
                "MinConfidence": 60,
            },
            "Retry": [
                {
                    "ErrorEquals": ["Rekognition.ImageTooLargeException"],
                    "MaxAttempts": 1,
                    "IntervalSeconds": 1,
                }
            ],
            "Catch": [
                {
                    "ErrorEquals": ["Rekognition.InvalidImageFormatException"],
                    "ResultPath": "$.failure",
                    "Next": "Unsupported format",
                },
                {
                    "ErrorEquals": ["Rekognition.ImageTooLargeException"],
                    "ResultPath": "$.failure",
                    "Next": "Too large",
                },
            ],
            "End": True,
        },
        "Unsupported format": {
            "Type": "Pass",
            "Result": "format",
            "ResultPath": "$.caught",
            "End": True,
        },
        "Too large": {"Type": "Pass", "Result": "size", "ResultPath": "$.caught", "End": True},
    },
}


def _detect(local_aws: LocalAws, world: dict, key: str) -> dict[str, Any]:
    arn = world.get("detect_arn") or world["machine"]("detect-labels", DETECT_LABELS)
    world["detect_arn"] = arn
    payload = {"bucket": world["bucket"], "key": key, "version": world["versions"][key]}
    return _run(local_aws, arn, payload)


@pytest.mark.parametrize("key", ["photo.jpg", "photo.png"])
def test_detect_labels_task_answers_as_rekognition_does(local_aws, world, key):
    done = _detect(local_aws, world, key)
    assert done["status"] == "SUCCEEDED", done
    answer = json.loads(done["output"])
    assert answer["Labels"], answer
    assert len(answer["Labels"]) <= 10
    for label in answer["Labels"]:
        assert isinstance(label["Name"], str) and label["Confidence"] >= 60
    assert "LabelModelVersion" in answer and "ResponseMetadata" not in answer
    scheduled = [e for e in done["history"] if e["type"] == "TaskScheduled"]
    assert scheduled[0]["taskScheduledEventDetails"]["resource"] == "detectLabels"
    assert scheduled[0]["taskScheduledEventDetails"]["resourceType"] == "aws-sdk:rekognition"


def test_a_gif_is_refused_as_invalid_image_format_and_caught_by_its_name(local_aws, world):
    done = _detect(local_aws, world, "photo.gif")
    assert done["status"] == "SUCCEEDED", done
    output = json.loads(done["output"])
    assert output["caught"] == "format"
    assert output["failure"]["Error"] == "Rekognition.InvalidImageFormatException"
    assert "Request has invalid image format" in output["failure"]["Cause"]
    (failed,) = [e for e in done["history"] if e["type"] == "TaskFailed"]
    assert failed["taskFailedEventDetails"]["error"] == "Rekognition.InvalidImageFormatException"


def test_an_object_over_15_mb_is_too_large_retried_then_caught(local_aws, world):
    done = _detect(local_aws, world, "huge.jpg")
    assert done["status"] == "SUCCEEDED", done
    output = json.loads(done["output"])
    assert output["caught"] == "size"
    assert output["failure"]["Error"] == "Rekognition.ImageTooLargeException"
    types = [e["type"] for e in done["history"]]
    assert types.count("TaskScheduled") == 2 and types.count("TaskFailed") == 2  # one retry


def test_rekognition_refuses_bytes_over_5_mb_and_formats_other_than_jpeg_or_png(local_aws):
    rekognition = local_aws.client("rekognition")
    assert rekognition.detect_labels(Image={"Bytes": _png()})["Labels"]
    with pytest.raises(rekognition.exceptions.ImageTooLargeException):
        rekognition.detect_labels(Image={"Bytes": b"\x89PNG\r\n\x1a\n" + bytes(5 * MB)})
    with pytest.raises(rekognition.exceptions.InvalidImageFormatException):
        rekognition.detect_labels(Image={"Bytes": _gif()})


def _put_item(table: str) -> dict[str, Any]:
    return {
        "StartAt": "Claim",
        "States": {
            "Claim": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": table,
                    "Item": {"pk": {"S.$": "$.key"}, "state": {"S": "CLAIMED"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                },
                "ResultPath": "$.put",
                "Catch": [
                    {
                        "ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                        "ResultPath": "$.failure",
                        "Next": "Already claimed",
                    }
                ],
                "End": True,
            },
            "Already claimed": {
                "Type": "Pass",
                "Result": True,
                "ResultPath": "$.taken",
                "End": True,
            },
        },
    }


def _update_item(table: str) -> dict[str, Any]:
    return {
        "StartAt": "Finish",
        "States": {
            "Finish": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:updateItem",
                "Parameters": {
                    "TableName": table,
                    "Key": {"pk": {"S.$": "$.key"}},
                    "UpdateExpression": "SET #s = :done, labels = :n",
                    "ConditionExpression": "#s = :claimed",
                    "ExpressionAttributeNames": {"#s": "state"},
                    "ExpressionAttributeValues": {
                        ":done": {"S": "DONE"},
                        ":claimed": {"S": "CLAIMED"},
                        ":n": {"N.$": "States.Format('{}', $.labels)"},
                    },
                    "ReturnValues": "UPDATED_NEW",
                },
                "Catch": [
                    {
                        "ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                        "ResultPath": "$.failure",
                        "Next": "Not claimed",
                    }
                ],
                "End": True,
            },
            "Not claimed": {"Type": "Pass", "Result": True, "ResultPath": "$.skipped", "End": True},
        },
    }


def test_put_item_with_a_condition_then_its_failure_caught_by_awss_name(local_aws, world):
    arn = world["machine"]("put-item", _put_item(world["table"]))
    key = f"photo-{uuid.uuid4().hex[:6]}"
    first = _run(local_aws, arn, {"key": key})
    assert first["status"] == "SUCCEEDED", first
    assert "taken" not in json.loads(first["output"])
    item = local_aws.client("dynamodb").get_item(TableName=world["table"], Key={"pk": {"S": key}})
    assert item["Item"]["state"] == {"S": "CLAIMED"}

    second = _run(local_aws, arn, {"key": key})
    output = json.loads(second["output"])
    assert output["taken"] is True
    assert output["failure"]["Error"] == "DynamoDB.ConditionalCheckFailedException"
    assert "The conditional request failed" in output["failure"]["Cause"]


def test_update_item_with_a_condition_then_its_failure_caught_by_awss_name(local_aws, world):
    ddb = local_aws.client("dynamodb")
    key = f"photo-{uuid.uuid4().hex[:6]}"
    ddb.put_item(TableName=world["table"], Item={"pk": {"S": key}, "state": {"S": "CLAIMED"}})
    arn = world["machine"]("update-item", _update_item(world["table"]))

    done = _run(local_aws, arn, {"key": key, "labels": 7})
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"])["Attributes"] == {
        "state": {"S": "DONE"},
        "labels": {"N": "7"},
    }

    again = _run(local_aws, arn, {"key": key, "labels": 8})
    output = json.loads(again["output"])
    assert output["skipped"] is True
    assert output["failure"]["Error"] == "DynamoDB.ConditionalCheckFailedException"
    item = ddb.get_item(TableName=world["table"], Key={"pk": {"S": key}})["Item"]
    assert item["labels"] == {"N": "7"}

    uncaught = world["machine"]("update-uncaught", {**_update_item(world["table"])})
    definition = _update_item(world["table"])
    del definition["States"]["Finish"]["Catch"]
    local_aws.client("stepfunctions").update_state_machine(
        stateMachineArn=uncaught, definition=json.dumps(definition)
    )
    failed = _run(local_aws, uncaught, {"key": key, "labels": 9})
    assert failed["status"] == "FAILED"
    assert failed["error"] == "DynamoDB.ConditionalCheckFailedException"
