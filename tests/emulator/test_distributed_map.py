"""The emulator runs a Distributed Map as AWS does (tools/local_aws/distributed_map.py): an
ItemReader over every page of an S3 listing in AWS's item shape, startExecution.sync:2 children
bounded by MaxConcurrency, an integer ToleratedFailurePercentage enforced, and executions
started without a name."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import LocalAws

ROLE = "arn:aws:iam::123456789012:role/distributed-map"


@pytest.fixture
def machines(local_aws: LocalAws):
    """Creates state machines for the test and deletes them after it."""
    sfn, created = local_aws.client("stepfunctions"), []

    def create(name: str, definition: dict) -> str:
        arn = sfn.create_state_machine(name=name, roleArn=ROLE, definition=json.dumps(definition))[
            "stateMachineArn"
        ]
        created.append(arn)
        return arn

    yield create
    for arn in created:
        sfn.delete_state_machine(stateMachineArn=arn)


def _finish(sfn, arn: str, timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.25)
    raise AssertionError(f"{arn} still running")


def _backfill(child_arn: str, bucket: str) -> dict:
    return {
        "StartAt": "Map",
        "States": {
            "Map": {
                "Type": "Map",
                "MaxConcurrency": 3,
                "ToleratedFailurePercentage": 5,  # an integer, as AWS accepts
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:listObjectsV2",
                    "Parameters": {"Bucket": bucket, "Prefix.$": "$.prefix"},
                },
                "ItemSelector": {
                    "key.$": "$$.Map.Item.Value.Key",
                    "etag.$": "$$.Map.Item.Value.Etag",
                    "size.$": "$$.Map.Item.Value.Size",
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Run",
                    "States": {
                        "Run": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::states:startExecution.sync:2",
                            "Parameters": {
                                "StateMachineArn": child_arn,
                                "Name.$": "States.Format('c-{}', States.Hash($.key, 'MD5'))",
                                "Input": {"key.$": "$.key"},
                            },
                            "ResultSelector": {"arn.$": "$.ExecutionArn", "out.$": "$.Output"},
                            "End": True,
                        }
                    },
                },
                "End": True,
            }
        },
    }


@pytest.fixture
def bucket(local_aws: LocalAws):
    s3 = local_aws.client("s3")
    name = f"distributed-map-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    yield name
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
        for entry in page.get("Contents", []):
            s3.delete_object(Bucket=name, Key=entry["Key"])
    s3.delete_bucket(Bucket=name)


def test_children_run_once_each_at_most_max_concurrency_at_a_time(local_aws, bucket, machines):
    s3, sfn = local_aws.client("s3"), local_aws.client("stepfunctions")
    for n in range(9):
        s3.put_object(Bucket=bucket, Key=f"in/{n}.jpg", Body=b"x" * n)
    s3.put_object(Bucket=bucket, Key="out/other.jpg", Body=b"x")
    run = uuid.uuid4().hex[:8]
    wait = {"W": {"Type": "Wait", "Seconds": 1, "Next": "P"}, "P": {"Type": "Pass", "End": True}}
    child = machines(f"child-{run}", {"StartAt": "W", "States": wait})
    parent = machines(f"parent-{run}", _backfill(child, bucket))

    done = _finish(
        sfn, sfn.start_execution(stateMachineArn=parent, input='{"prefix": "in/"}')["executionArn"]
    )

    assert done["status"] == "SUCCEEDED", done
    outputs = json.loads(done["output"])
    assert sorted(o["out"]["key"] for o in outputs) == [f"in/{n}.jpg" for n in range(9)]
    runs = sfn.list_executions(stateMachineArn=child)["executions"]
    assert len(runs) == 9 and len({r["name"] for r in runs}) == 9
    moments = sorted(
        [(r["startDate"], 1) for r in runs] + [(r["stopDate"], -1) for r in runs],
        key=lambda m: (m[0], m[1]),
    )
    running = peak = 0
    for _, change in moments:
        running += change
        peak = max(peak, running)
    assert 1 < peak <= 3


def test_the_listing_reads_every_page_in_awss_item_shape(local_aws, bucket, machines):
    s3, sfn = local_aws.client("s3"), local_aws.client("stepfunctions")
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda n: s3.put_object(Bucket=bucket, Key=f"in/{n:04d}", Body=b"ab"), range(1003)
            )
        )
    definition = {
        "StartAt": "Map",
        "States": {
            "Map": {
                "Type": "Map",
                "MaxConcurrency": 50,
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:listObjectsV2",
                    "Parameters": {"Bucket": bucket, "Prefix": "in/"},
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "P",
                    "States": {"P": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        },
    }
    parent = machines(f"pages-{uuid.uuid4().hex[:8]}", definition)

    done = _finish(sfn, sfn.start_execution(stateMachineArn=parent)["executionArn"])

    items = json.loads(done["output"])
    assert len(items) == 1003
    assert set(items[0]) == {"Etag", "Key", "LastModified", "Size", "StorageClass"}
    assert items[0]["Size"] == 2 and isinstance(items[0]["LastModified"], int)


def test_failures_beyond_the_tolerated_percentage_fail_the_map(local_aws, bucket, machines):
    s3, sfn = local_aws.client("s3"), local_aws.client("stepfunctions")
    for n in range(4):
        s3.put_object(Bucket=bucket, Key=f"in/{n}.jpg", Body=b"x")
    run = uuid.uuid4().hex[:8]
    failing = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom"}}}
    child = machines(f"failing-{run}", failing)
    parent = machines(f"tolerating-{run}", _backfill(child, bucket))

    done = _finish(
        sfn, sfn.start_execution(stateMachineArn=parent, input='{"prefix": "in/"}')["executionArn"]
    )

    assert done["status"] == "FAILED"
    assert done["error"] == "States.ExceedToleratedFailureThreshold"


def test_an_execution_started_without_a_name_gets_a_uuid(local_aws, machines):
    sfn = local_aws.client("stepfunctions")
    machine = machines(
        f"unnamed-{uuid.uuid4().hex[:8]}",
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
    )
    first = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    second = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    assert first != second
    assert uuid.UUID(first.rsplit(":", 1)[1]) and uuid.UUID(second.rsplit(":", 1)[1])
