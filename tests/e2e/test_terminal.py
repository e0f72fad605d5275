"""Every upload ends in a visible terminal state on the applied local stack: an execution stopped
mid-run is recorded FAILED ExecutionAborted by the backstop (EventBridge -> record_terminal), and
the same bytes uploaded again after a FAILED start one new attempt.

The execution is held mid-run by an S3 endpoint that never answers the thumbnail step: stopped
at any other moment, it might already be storing its results (a Task in flight completes, on AWS
too), and the item would rightly end SUCCEEDED. STANDARD only: AWS cannot stop an EXPRESS
execution (StopExecution refuses it).

The shared stack's teardown runs after it (tests/e2e/conftest.py); everything it
creates (objects, their versions and thumbnails, items) is removed afterwards.
"""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from tests.conftest import LocalAws
from tests.e2e.faults import env, fault, unanswering_endpoint
from tests.e2e.runs import is_express, runs

OWNER = "e2e-terminal"
KEY = f"Incoming/{OWNER}/album/stopped.jpg"
IMAGE_ID = KEY.removeprefix("Incoming/")


def _photo() -> bytes:
    image = Image.effect_noise((1600, 1200), 60).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _item(local_aws: LocalAws, table: str) -> dict:
    from boto3.dynamodb.types import TypeDeserializer

    raw = (
        local_aws.client("dynamodb")
        .get_item(TableName=table, Key={"imageID": {"S": IMAGE_ID}}, ConsistentRead=True)
        .get("Item")
        or {}
    )
    deserialize = TypeDeserializer().deserialize
    return {k: deserialize(v) for k, v in raw.items()}


def _wait(predicate, timeout_s: float, what: str, interval: float = 0.1, seen=None):
    """predicate()'s first truthy value; a failure shows what ``seen()`` last returned."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"{what} not within {timeout_s}s" + (f"; last seen: {seen()}" if seen else ""))


def _cleanup(local_aws: LocalAws, bucket: str, table: str) -> None:
    s3 = local_aws.client("s3")
    for prefix in (f"Incoming/{OWNER}/", f"Thumbnails/{OWNER}/"):
        listed = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
        for entry in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])
    local_aws.client("dynamodb").delete_item(TableName=table, Key={"imageID": {"S": IMAGE_ID}})


def test_stopped_execution_ends_aborted_and_a_reupload_starts_one_new_attempt(
    local_aws: LocalAws, deployed
):
    if is_express(deployed):
        pytest.skip("AWS has no StopExecution for EXPRESS executions: nothing can stop one")
    outputs = deployed["outputs"]
    bucket, table = outputs["bucket_name"], outputs["image_metadata_table_name"]
    sfn, s3 = local_aws.client("stepfunctions"), local_aws.client("s3")
    body = _photo()
    thumbnails = outputs["function_names"]["generate_thumbnail"]
    try:
        with (
            unanswering_endpoint() as s3_endpoint,
            fault(local_aws, thumbnails, env(AWS_ENDPOINT_URL_S3=s3_endpoint)),
        ):
            s3.put_object(Bucket=bucket, Key=KEY, Body=body)
            running = _wait(
                lambda: (
                    (item := _item(local_aws, table)).get("processingStatus") == "RUNNING" and item
                ),
                60,
                "a RUNNING item",
            )
            first_arn = running["executionArn"]
            sfn.stop_execution(
                executionArn=first_arn, error="Test", cause="stopped by the e2e test"
            )
            assert sfn.describe_execution(executionArn=first_arn)["status"] == "ABORTED"

            failed = _wait(
                lambda: (
                    (item := _item(local_aws, table)).get("processingStatus") == "FAILED" and item
                ),
                30,
                "FAILED ExecutionAborted",
                interval=0.25,
                seen=lambda: _item(local_aws, table),
            )
        assert failed["error"] == "ExecutionAborted"
        assert failed["executionArn"] == first_arn and failed["cause"]

        # The same bytes again: one new attempt, its own execution, to a terminal state.
        time.sleep(0.01)  # a later eventTime than the first upload's
        s3.put_object(Bucket=bucket, Key=KEY, Body=body)
        second = _wait(
            lambda: (item := _item(local_aws, table)).get("executionArn") != first_arn and item,
            60,
            "a new attempt",
            interval=0.25,
        )
        assert second["attempt"] == 2 and second["executionName"].endswith("-a2")
        done = _wait(
            lambda: (
                (item := _item(local_aws, table)).get("processingStatus") in ("SUCCEEDED", "FAILED")
                and item
            ),
            180,
            "the second attempt's terminal state",
            interval=0.5,
        )
        assert done["executionArn"] == second["executionArn"]
        assert done["processingStatus"] == "SUCCEEDED", done
        name_prefix = failed["executionName"]
        assert len([r for r in runs(local_aws, deployed) if r.name.startswith(name_prefix)]) == 2
    finally:
        _cleanup(local_aws, bucket, table)
