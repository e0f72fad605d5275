"""Reprocess on the shared stack: `image-pipeline reprocess` against the applied environment
re-runs exactly the photos it is given, each keeping its identity and getting its new results
in one write; the reprocess function refuses a caller without a Cognito identity."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from boto3.dynamodb.types import TypeDeserializer
from image_pipeline.executions import content_stem
from PIL import Image

from tests.conftest import LocalAws

PREFIX = "Incoming/reprocess-e2e/"
KEYS = [f"{PREFIX}{album}/{n}.jpg" for album in ("a", "b") for n in (1, 2)]
IDENTITY = ("imageID", "s3key", "userID", "albumID", "uploadTime")
CLI = Path(sys.executable).with_name("image-pipeline")
OTHER = "eu-west-1:ffffffff-0000-4000-8000-000000000000"  # someone else's identity id


def _jpeg(n: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), (40 * n, 10, 10)).save(out, "JPEG")
    return out.getvalue()


def _item(local_aws: LocalAws, table: str, key: str) -> dict:
    raw = local_aws.client("dynamodb").get_item(
        TableName=table, Key={"imageID": {"S": key.removeprefix("Incoming/")}}, ConsistentRead=True
    )
    deserialize = TypeDeserializer().deserialize
    return {k: deserialize(v) for k, v in raw.get("Item", {}).items()}


def _all_succeeded(local_aws: LocalAws, table: str, timeout_s: float = 120) -> dict[str, dict]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        items = {k: _item(local_aws, table, k) for k in KEYS}
        if all(i.get("processingStatus") == "SUCCEEDED" for i in items.values()):
            return items
        time.sleep(0.5)
    raise AssertionError(f"not all SUCCEEDED: {items}")


def _reprocess(deployed, terraform_bin: str, tf_env: dict[str, str], *which: str):
    """The console script as an operator runs it: no AWS settings of its own, so the endpoint
    and region come from the environment's outputs."""
    clean = {k: v for k, v in tf_env.items() if not k.startswith("AWS_")}
    command = [str(CLI), "reprocess", "--env-dir", str(deployed["workdir"]), *which]
    done = subprocess.run(
        [*command, "--terraform", terraform_bin, "--timeout", "180"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, json.loads(done.stdout or "{}"), done.stderr


def _cleanup(local_aws: LocalAws, bucket: str, table: str) -> None:
    s3 = local_aws.client("s3")
    for prefix in (PREFIX, PREFIX.replace("Incoming/", "Thumbnails/", 1)):
        listed = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
        for entry in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])
    for key in KEYS:
        local_aws.client("dynamodb").delete_item(
            TableName=table, Key={"imageID": {"S": key.removeprefix("Incoming/")}}
        )


def test_reprocess_of_a_prefix_reruns_exactly_those_photos(
    local_aws: LocalAws, deployed, terraform_bin, tf_env
):
    outputs = deployed["outputs"]
    bucket, table = outputs["bucket_name"], outputs["image_metadata_table_name"]
    s3, ddb = local_aws.client("s3"), local_aws.client("dynamodb")
    try:
        for n, key in enumerate(KEYS):
            s3.put_object(Bucket=bucket, Key=key, Body=_jpeg(n))
        before = _all_succeeded(local_aws, table)
        # A fact no execution finds in these JPEGs: only a stale result would keep it.
        for key in KEYS:
            ddb.update_item(
                TableName=table,
                Key={"imageID": {"S": key.removeprefix("Incoming/")}},
                UpdateExpression="SET exifMake = :stale",
                ExpressionAttributeValues={":stale": {"S": "StaleCam"}},
            )

        code, summary, stderr = _reprocess(
            deployed, terraform_bin, tf_env, "--prefix", f"{PREFIX}a/"
        )

        assert code == 0, (summary, stderr)
        assert (summary["started"], summary["succeeded"], summary["failed"]) == (2, 2, 0)
        after = _all_succeeded(local_aws, table)
        rerun = [k for k in KEYS if after[k]["executionArn"] != before[k]["executionArn"]]
        assert rerun == [f"{PREFIX}a/1.jpg", f"{PREFIX}a/2.jpg"]
        for key in rerun:
            name = after[key]["executionName"]
            assert name.endswith("-r" + summary["run"])
            assert content_stem(name) == content_stem(before[key]["executionName"])  # same bytes
            assert {f: after[key][f] for f in IDENTITY} == {f: before[key][f] for f in IDENTITY}
            assert "exifMake" not in after[key]  # every result replaced, in one write
            assert after[key]["tags"] == before[key]["tags"]
        for key in set(KEYS) - set(rerun):
            assert after[key]["exifMake"] == "StaleCam"  # untouched

        code, summary, stderr = _reprocess(deployed, terraform_bin, tf_env, "--key", KEYS[3])
        assert code == 0 and summary["started"] == summary["succeeded"] == 1, (summary, stderr)
        assert _item(local_aws, table, KEYS[3])["executionName"].endswith("-r" + summary["run"])
    finally:
        _cleanup(local_aws, bucket, table)


def test_reprocess_cli_refuses_a_prefix_outside_incoming(deployed, terraform_bin, tf_env):
    code, summary, stderr = _reprocess(deployed, terraform_bin, tf_env, "--prefix", "Thumbnails/")
    assert code == 2 and summary == {}
    assert json.loads(stderr.splitlines()[-1])["error"] == "InvalidInput"


def test_reprocess_function_refuses_a_caller_without_a_cognito_identity(
    local_aws: LocalAws, deployed
):
    function = deployed["outputs"]["function_names"]["reprocess"]
    response = local_aws.client("lambda").invoke(
        FunctionName=function, Payload=json.dumps({"imageIDs": ["someone/album/x.jpg"]})
    )
    error = json.loads(response["Payload"].read())
    assert response.get("FunctionError") == "Unhandled"
    assert error["errorType"] == "ReprocessNotAllowed"


def test_reprocess_function_retries_only_the_signed_in_users_own_photos(
    local_aws: LocalAws, deployed
):
    """The web app's retry path: Invoke with the user's Cognito credentials; the function
    knows the caller from context.identity and refuses anyone else's photo."""
    from tests.e2e.test_isolation import _jpeg, _sign_in

    outputs = deployed["outputs"]
    bucket, table = outputs["bucket_name"], outputs["image_metadata_table_name"]
    user = _sign_in(local_aws, outputs, f"retry-{uuid.uuid4().hex[:8]}@example.com", "Retry")
    key = f"Incoming/{user.identity_id}/retry/photo.jpg"
    others = f"{OTHER}/album/photo.jpg"
    try:
        user.client("s3").put_object(Bucket=bucket, Key=key, Body=_jpeg())
        first = _wait_terminal(local_aws, table, key)

        response = user.client("lambda").invoke(
            FunctionName=outputs["function_names"]["reprocess"],
            Payload=json.dumps({"imageIDs": [key.removeprefix("Incoming/"), others]}),
        )
        answer = json.loads(response["Payload"].read())

        assert "FunctionError" not in response, answer
        (started,) = answer["started"]
        assert started["s3Key"] == key and started["executionArn"] != first["executionArn"]
        assert [(r["imageID"], r["error"]) for r in answer["refused"]] == [
            (others, "ReprocessNotAllowed")
        ]
        done = _wait_terminal(local_aws, table, key, started["executionArn"])
        assert done["processingStatus"] == "SUCCEEDED"
        assert done["uploadTime"] == first["uploadTime"] and done["userID"] == user.identity_id
    finally:
        s3 = local_aws.client("s3")
        for prefix in (f"Incoming/{user.identity_id}/", f"Thumbnails/{user.identity_id}/"):
            listed = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
            for entry in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
                s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])
        local_aws.client("dynamodb").delete_item(
            TableName=table, Key={"imageID": {"S": key.removeprefix("Incoming/")}}
        )


def _wait_terminal(local_aws: LocalAws, table: str, key: str, arn: str | None = None) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        item = _item(local_aws, table, key)
        if item.get("processingStatus") in ("SUCCEEDED", "FAILED") and (
            arn is None or item["executionArn"] == arn
        ):
            return item
        time.sleep(0.5)
    raise AssertionError(f"{key} not terminal: {item}")


def test_environment_outputs_the_backfill_state_machine(deployed):
    arn = deployed["outputs"]["backfill_state_machine_arn"]
    assert arn.endswith(":stateMachine:image-pipeline-local-backfill")
    assert os.path.basename(str(deployed["workdir"])) == "local"
