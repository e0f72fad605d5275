"""Injected faults on the applied local stack: each upload still ends FAILED with a named error and
a cause within seconds; replayed events start one execution; 200 concurrent uploads all succeed.

Each fault (tests/e2e/faults.py) holds for one test and is undone exactly, so the stack is as
applied when the teardown test re-plans it (it runs last: tests/e2e/conftest.py).
"""

from __future__ import annotations

import io
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote_plus

import pytest
from boto3.dynamodb.types import TypeDeserializer
from PIL import Image

from tests.conftest import REGION, LocalAws
from tests.e2e.faults import env, fault, handler
from tests.e2e.runs import runs

TERMINAL = {"SUCCEEDED", "FAILED"}


def _jpeg(seed: int = 0) -> bytes:
    image = Image.new("RGB", (64, 48), ((seed * 37) % 256, (seed * 11) % 256, 90))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def _items(local_aws: LocalAws, table: str, image_ids: list[str]) -> dict[str, dict]:
    dynamodb, deserialize = local_aws.client("dynamodb"), TypeDeserializer().deserialize
    out = {}
    for image_id in image_ids:
        raw = dynamodb.get_item(
            TableName=table, Key={"imageID": {"S": image_id}}, ConsistentRead=True
        ).get("Item")
        if raw:
            out[image_id] = {k: deserialize(v) for k, v in raw.items()}
    return out


def _wait_terminal(
    local_aws: LocalAws, table: str, image_ids: list[str], timeout_s: float
) -> dict[str, dict]:
    deadline = time.monotonic() + timeout_s
    items: dict[str, dict] = {}
    while time.monotonic() < deadline:
        items = _items(local_aws, table, image_ids)
        if len(items) == len(image_ids) and all(
            i.get("processingStatus") in TERMINAL for i in items.values()
        ):
            return items
        time.sleep(0.5)
    states = {i: items.get(i, {}).get("processingStatus") for i in image_ids}
    pytest.fail(f"not terminal within {timeout_s}s: {states}")


@pytest.fixture
def upload(local_aws: LocalAws, deployed) -> Callable[..., str]:
    """Upload a photo under a fresh owner prefix; returns its imageID."""
    bucket = deployed["outputs"]["bucket_name"]
    run = uuid.uuid4().hex[:8]

    def _upload(name: str, body: bytes | None = None) -> str:
        key = f"Incoming/e2e-faults/{run}/{name}"
        local_aws.client("s3").put_object(Bucket=bucket, Key=key, Body=body or _jpeg())
        return key.removeprefix("Incoming/")

    return _upload


def _failed_with_a_named_error(item: dict) -> None:
    assert item["processingStatus"] == "FAILED", item
    assert item["error"] and item["error"].replace(".", "").isalnum(), item
    assert item["cause"] and "Traceback" not in item["cause"], item


def test_a_step_crashing_at_init_ends_failed(local_aws, deployed, upload):
    outputs = deployed["outputs"]
    function = outputs["function_names"]["extract_metadata"]
    with fault(local_aws, function, handler("image_pipeline.handlers.missing_module.handler")):
        image_id = upload("init-crash.jpg")
        item = _wait_terminal(local_aws, outputs["image_metadata_table_name"], [image_id], 60)
    _failed_with_a_named_error(item[image_id])


def test_a_missing_table_ends_failed(local_aws, deployed, upload):
    outputs = deployed["outputs"]
    function = outputs["function_names"]["store_metadata"]
    with fault(local_aws, function, env(IMAGE_METADATA_TABLE="no-such-table")):
        image_id = upload("missing-table.jpg")
        item = _wait_terminal(local_aws, outputs["image_metadata_table_name"], [image_id], 60)
    _failed_with_a_named_error(item[image_id])
    assert item[image_id]["error"] == "ResourceNotFoundException"


def test_the_same_bytes_after_a_failure_start_one_new_attempt(local_aws, deployed, upload):
    """Uploading the same bytes again after FAILED starts the next attempt (one execution),
    which ends SUCCEEDED once the fault is gone; redelivering either start changes nothing."""
    outputs = deployed["outputs"]
    table, body = outputs["image_metadata_table_name"], _jpeg(11)
    function = outputs["function_names"]["store_metadata"]
    with fault(local_aws, function, env(IMAGE_METADATA_TABLE="no-such-table")):
        image_id = upload("retried.jpg", body)
        failed = _wait_terminal(local_aws, table, [image_id], 60)[image_id]
    _failed_with_a_named_error(failed)

    upload("retried.jpg", body)
    deadline, item = time.monotonic() + 60, failed
    while item["executionName"] == failed["executionName"] or item["processingStatus"] not in (
        TERMINAL
    ):
        assert time.monotonic() < deadline, f"no second attempt ended: {item}"
        time.sleep(0.5)
        item = _items(local_aws, table, [image_id])[image_id]
    assert (item["processingStatus"], item["attempt"]) == ("SUCCEEDED", 2), item
    assert item["executionName"] == failed["executionName"] + "-a2"
    time.sleep(2)  # an EXPRESS execution's end reaches its log group
    started = Counter(run.name for run in runs(local_aws, deployed))
    assert (started[failed["executionName"]], started[item["executionName"]]) == (1, 1)


def test_a_failing_step_with_a_broken_recorder_ends_failed(local_aws, deployed, upload):
    """record_failure cannot record: the execution fails, and the backstop records it."""
    outputs = deployed["outputs"]
    function = outputs["function_names"]["record_failure"]
    with fault(local_aws, function, handler("image_pipeline.handlers.missing_module.handler")):
        image_id = upload("not-a-photo.jpg", b"these bytes are no image\n")
        item = _wait_terminal(local_aws, outputs["image_metadata_table_name"], [image_id], 60)
    _failed_with_a_named_error(item[image_id])


def test_a_start_that_keeps_failing_ends_start_failed(local_aws, deployed, upload):
    """StartExecution fails on every try (the trigger's retries, then the dead-letter queue's
    redrive): the item ends FAILED StartFailed instead of staying PENDING."""
    outputs = deployed["outputs"]
    function = outputs["function_names"]["start_execution"]
    missing = outputs["state_machine_arn"].rsplit(":", 1)[0] + ":no-such-state-machine"
    with fault(local_aws, function, env(STATE_MACHINE_ARN=missing)):
        image_id = upload("never-started.jpg")
        item = _wait_terminal(local_aws, outputs["image_metadata_table_name"], [image_id], 120)
    assert item[image_id]["error"] == "StartFailed", item
    _failed_with_a_named_error(item[image_id])


def _s3_event(bucket: str, key: str, put: dict[str, Any], size: int) -> dict:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {
                        "key": quote_plus(key, safe="/"),
                        "size": size,
                        "eTag": put["ETag"].strip('"'),
                        "versionId": put.get("VersionId"),
                        "sequencer": "0055AED6DCD90281E5",
                    },
                },
            }
        ]
    }


def test_five_replayed_events_of_one_object_start_one_execution(local_aws, deployed):
    outputs = deployed["outputs"]
    bucket, table = outputs["bucket_name"], outputs["image_metadata_table_name"]
    key = f"Incoming/e2e-faults/{uuid.uuid4().hex[:8]}/replayed.jpg"
    body = _jpeg(7)
    put = local_aws.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    event = json.dumps(_s3_event(bucket, key, put, len(body))).encode()
    lambda_client = local_aws.client("lambda")
    for _ in range(5):
        lambda_client.invoke(
            FunctionName=outputs["function_names"]["start_execution"],
            InvocationType="Event",
            Payload=event,
        )
    image_id = key.removeprefix("Incoming/")
    item = _wait_terminal(local_aws, table, [image_id], 120)[image_id]
    assert item["processingStatus"] == "SUCCEEDED", item
    time.sleep(2)  # let every replay reach the trigger
    name = item["executionName"]
    names = [run.name for run in runs(local_aws, deployed)]
    assert sum(1 for n in names if n.startswith(name)) == names.count(name), "one name only"
    # EXPRESS never refuses a name: the start lease on the item keeps replays from starting it.
    assert names.count(name) == 1


# 200 uploads at once with STANDARD executions; EXPRESS is checked on 100, to keep CI short
# (the burst is the trigger's and the functions' reserved concurrency, whatever the type).
BURST = {"STANDARD": 200, "EXPRESS": 100}


def test_two_hundred_concurrent_uploads_all_succeed(local_aws, deployed, upload):
    outputs = deployed["outputs"]
    count = BURST[deployed["state_machine_type"]]
    names = [f"burst-{i:03d}.jpg" for i in range(count)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        image_ids = list(pool.map(lambda n: upload(n, _jpeg(int(n[6:9]))), names))
    items = _wait_terminal(local_aws, outputs["image_metadata_table_name"], image_ids, 600)
    statuses = {i: item["processingStatus"] for i, item in items.items()}
    assert set(statuses.values()) == {"SUCCEEDED"}, {
        i: (s, items[i].get("error")) for i, s in statuses.items() if s != "SUCCEEDED"
    }
    # One execution each (a replayed start is test_five_replayed_events_...).
    assert len({item["executionArn"] for item in items.values()}) == count
