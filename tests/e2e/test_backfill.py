"""The backfill state machine on the shared stack: hundreds of objects under Incoming/ without
items come back SUCCEEDED, each run once, never more than the map's MaxConcurrency at a time, and
the objects that already have an item are left alone.

The objects are uploaded while start_execution looks under another prefix (a fault, undone
after), so they reach the bucket without items, as after their items were removed.
"""

from __future__ import annotations

import io
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from boto3.dynamodb.types import TypeDeserializer
from image_pipeline.executions import content_stem, execution_name
from image_pipeline.reprocess import run_id
from PIL import Image

from tests.conftest import LocalAws
from tests.e2e.conftest import wait_quiet
from tests.e2e.faults import env, fault
from tests.e2e.runs import Run, is_express, runs

PREFIX = "Incoming/backfill-e2e/"
# The map's scale is the backfill's own (a STANDARD machine whatever the image workflow's type):
# 200 objects with STANDARD children; EXPRESS children are checked on 100, to keep CI short
# (every store compares the owner's hashed photos: duplicates).
COUNTS = {"STANDARD": 200, "EXPRESS": 100}
KEPT = 3  # objects uploaded as usual first: they have items, the backfill leaves them alone
MAX_CONCURRENCY = 10  # the pipeline module's default backfill.max_concurrency


def _jpeg(n: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (n % 256, n // 256, 90)).save(out, "JPEG")
    return out.getvalue()


def _items(local_aws: LocalAws, table: str, image_ids: list[str]) -> dict[str, dict]:
    ddb, deserialize, found = local_aws.client("dynamodb"), TypeDeserializer().deserialize, {}
    for start in range(0, len(image_ids), 100):
        keys = [{"imageID": {"S": i}} for i in image_ids[start : start + 100]]
        request = {table: {"Keys": keys, "ConsistentRead": True}}
        while request:
            response = ddb.batch_get_item(RequestItems=request)
            for raw in response["Responses"].get(table, []):
                item = {k: deserialize(v) for k, v in raw.items()}
                found[item["imageID"]] = item
            request = response.get("UnprocessedKeys") or {}
    return found


def _wait(predicate, timeout_s: float, what: str, interval: float = 1.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{what} not within {timeout_s}s")


def _reports(local_aws: LocalAws, function: str) -> int:
    return local_aws.function_log(function).count("REPORT RequestId:")


def _max_overlap(finished: list[Run]) -> int:
    """The most executions running at one moment (an end at the same instant as a start
    counts as before it)."""
    moments = [(r.start, 1) for r in finished]
    moments += [(r.stop - timedelta(microseconds=1), -1) for r in finished if r.stop]
    running = peak = 0
    for _, change in sorted(moments, key=lambda m: (m[0], m[1])):
        running += change
        peak = max(peak, running)
    return peak


def _cleanup(local_aws: LocalAws, bucket: str, table: str, image_ids: list[str]) -> None:
    s3, ddb = local_aws.client("s3"), local_aws.client("dynamodb")
    for prefix in (PREFIX, PREFIX.replace("Incoming/", "Thumbnails/", 1)):
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
            doomed = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            for start in range(0, len(doomed), 1000):
                s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed[start : start + 1000]})
    for image_id in image_ids:
        ddb.delete_item(TableName=table, Key={"imageID": {"S": image_id}})


def test_backfill_of_hundreds_of_objects_without_items(local_aws: LocalAws, deployed):
    outputs = deployed["outputs"]
    count = COUNTS[deployed["state_machine_type"]]
    bucket, table = outputs["bucket_name"], outputs["image_metadata_table_name"]
    backfill_arn = outputs["backfill_state_machine_arn"]
    starter = outputs["function_names"]["start_execution"]
    s3, sfn = local_aws.client("s3"), local_aws.client("stepfunctions")
    kept = [f"{PREFIX}kept/{n}.jpg" for n in range(KEPT)]
    keys = [f"{PREFIX}album{n % 5}/photo {n}.jpg" for n in range(count)]
    image_ids = [k.removeprefix("Incoming/") for k in kept + keys]
    try:
        for n, key in enumerate(kept):
            s3.put_object(Bucket=bucket, Key=key, Body=_jpeg(1000 + n))
        before = _wait(
            lambda: (
                (found := _items(local_aws, table, image_ids[:KEPT]))
                and all(i.get("processingStatus") == "SUCCEEDED" for i in found.values())
                and len(found) == KEPT
                and found
            ),
            120,
            "the kept objects SUCCEEDED",
        )

        # The removal events of an earlier test's cleanup handled first: the report awaited
        # below is then this upload's, handled under the fault.
        wait_quiet(local_aws, starter)
        seen = _reports(local_aws, starter)
        with fault(local_aws, starter, env(INCOMING_PREFIX="Paused-by-test-backfill/")):
            with ThreadPoolExecutor(8) as pool:
                list(
                    pool.map(
                        lambda nk: s3.put_object(Bucket=bucket, Key=nk[1], Body=_jpeg(nk[0])),
                        enumerate(keys),
                    )
                )
            # Every notification handled (and skipped) before start_execution looks again.
            _wait(lambda: _reports(local_aws, starter) >= seen + count, 300, "the uploads' events")
        assert not set(_items(local_aws, table, image_ids[KEPT:])), "items before the backfill"

        started = time.monotonic()
        execution = sfn.start_execution(
            stateMachineArn=backfill_arn, input=json.dumps({"prefix": PREFIX})
        )["executionArn"]
        done = _wait(
            lambda: (
                (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d
            ),
            900,
            "the backfill",
            interval=2,
        )
        assert done["status"] == "SUCCEEDED", done
        elapsed = time.monotonic() - started

        items = _items(local_aws, table, image_ids)
        run = run_id(execution.rsplit(":", 1)[1])
        backfilled = [items.get(i, {}) for i in image_ids[KEPT:]]
        assert [i.get("processingStatus") for i in backfilled] == ["SUCCEEDED"] * count
        assert all(i["executionName"].endswith(f"-r{run}") for i in backfilled)
        for image_id in image_ids[:KEPT]:  # had an item: not run again
            assert items[image_id]["executionArn"] == before[image_id]["executionArn"]

        image_runs = [r for r in runs(local_aws, deployed) if r.name.endswith(f"-r{run}")]
        stems = [content_stem(r.name) for r in image_runs]
        assert len(image_runs) == count and len(set(stems)) == count, "one execution per object"
        assert {r.arn for r in image_runs} == {i["executionArn"] for i in backfilled}
        peak = _max_overlap(image_runs)
        assert 1 < peak <= MAX_CONCURRENCY, f"{peak} image executions at once"
        print(f"backfill of {count}: {elapsed:.0f}s, at most {peak} at once")
    finally:
        _cleanup(local_aws, bucket, table, image_ids)


def test_a_start_that_fails_is_recorded_and_counts_as_a_failure(local_aws: LocalAws, deployed):
    """The name the backfill will use is taken first (another input): its start fails
    (ExecutionAlreadyExists), the item ends FAILED StartFailed, the backfill fails past its
    tolerated failures. STANDARD only: EXPRESS never refuses a name."""
    if is_express(deployed):
        pytest.skip("EXPRESS does not deduplicate execution names: a start cannot fail so")
    outputs = deployed["outputs"]
    bucket, table = outputs["bucket_name"], outputs["image_metadata_table_name"]
    s3, sfn = local_aws.client("s3"), local_aws.client("stepfunctions")
    prefix = f"{PREFIX}start-failure/"
    key = f"{prefix}photo.jpg"
    image_id = key.removeprefix("Incoming/")
    starter = outputs["function_names"]["start_execution"]
    try:
        # The removal events of an earlier test's cleanup handled first: the report awaited
        # below is then this upload's, handled under the fault.
        wait_quiet(local_aws, starter)
        seen = _reports(local_aws, starter)
        with fault(local_aws, starter, env(INCOMING_PREFIX="Paused-by-test-backfill/")):
            etag = s3.put_object(Bucket=bucket, Key=key, Body=_jpeg(7))["ETag"].strip('"')
            _wait(lambda: _reports(local_aws, starter) > seen, 60, "the upload's event")
        backfill_name = f"start-failure-{uuid.uuid4().hex[:8]}"
        taken = execution_name(bucket, key, etag, run=run_id(backfill_name))
        taker = sfn.start_execution(
            stateMachineArn=outputs["state_machine_arn"],
            name=taken,
            input=json.dumps({"imageID": "nobody/none.jpg"}),  # fails at once, owns no item
        )["executionArn"]
        # Ended before the backfill starts its own: the name is taken, never "being taken".
        _wait(
            lambda: sfn.describe_execution(executionArn=taker)["status"] != "RUNNING",
            120,
            "the execution that takes the name",
        )

        execution = sfn.start_execution(
            stateMachineArn=outputs["backfill_state_machine_arn"],
            name=backfill_name,
            input=json.dumps({"prefix": prefix}),
        )["executionArn"]
        done = _wait(
            lambda: (
                (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d
            ),
            120,
            "the backfill",
        )

        assert done["status"] == "FAILED"
        assert done["error"] == "States.ExceedToleratedFailureThreshold"
        item = _items(local_aws, table, [image_id])[image_id]
        assert (item.get("processingStatus"), item.get("error")) == ("FAILED", "StartFailed"), item
        assert item["executionName"] == taken
        assert "ExecutionAlreadyExists" in item["cause"]
    finally:
        _cleanup(local_aws, bucket, table, [image_id])
