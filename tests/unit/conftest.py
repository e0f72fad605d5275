"""Shared fixtures for the unit tests: fake AWS (moto, in process), env, Lambda context."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest

EVENTS = Path(__file__).resolve().parent.parent / "events"
REGION = "us-east-1"
ACCOUNT = "123456789012"
BUCKET = "image-pipeline-photos"
TABLE = "ImageMetadata"
STATE_MACHINE = "image-pipeline"
STATE_MACHINE_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{STATE_MACHINE}"
# Cognito identity ids: the owner folder the browser role may write under, and someone else's.
OWNER = "us-east-1:0d6c9a3e-5b1f-4c2d-8e7a-1234567890ab"
OTHER = "eu-west-1:ffffffff-0000-4000-8000-000000000000"


@dataclass
class LambdaContext:
    function_name: str = "image-pipeline-test"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:image-pipeline-test"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake keys and region; no real endpoint, profile or emulator can leak in."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def pipeline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "IMAGE_METADATA_TABLE": TABLE,
        "STATE_MACHINE_ARN": STATE_MACHINE_ARN,
        "INCOMING_PREFIX": "Incoming/",
        "THUMBNAIL_PREFIX": "Thumbnails/",
        "POWERTOOLS_SERVICE_NAME": "image-pipeline-test",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }.items():
        monkeypatch.setenv(name, value)
    for name in (
        "MAX_IMAGE_PIXELS",
        "MAX_OBJECT_BYTES",
        "IMAGE_FORMATS",
        "RENDITIONS",
        "RENDITION_FORMAT",
        "THUMBNAIL_SIZE",
        "MAX_LABELS",
        "MIN_CONFIDENCE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def aws(aws_credentials: None, pipeline_env: None):
    """moto in process; the library's client cache is emptied so clients bind to the mock."""
    from image_pipeline import clients
    from moto import mock_aws

    with mock_aws():
        clients.reset()
        yield
    clients.reset()


@pytest.fixture
def s3(aws: None):
    import boto3

    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def versioned(s3):
    """The photo bucket with versioning on (as the storage module creates it)."""
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return s3


@pytest.fixture
def table(aws: None):
    import boto3

    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "imageID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "imageID", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return boto3.resource("dynamodb", region_name=REGION).Table(TABLE)


@pytest.fixture
def sfn(aws: None):
    import boto3

    client = boto3.client("stepfunctions", region_name=REGION)
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
    for name in (STATE_MACHINE, "someone-elses"):
        client.create_state_machine(
            name=name,
            definition=json.dumps(definition),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn",
        )
    return client


@pytest.fixture
def stack(s3, table, sfn) -> dict[str, Any]:
    return {"s3": s3, "table": table, "sfn": sfn}


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def s3_record(
    key: str,
    event_name: str = "ObjectCreated:Put",
    bucket: str = BUCKET,
    etag: str = "0123456789abcdef0123456789abcdef",
    version_id: str | None = None,
    event_time: str = "2026-11-25T12:00:00.000Z",
) -> dict[str, Any]:
    """One S3 notification record; the key is URL-encoded the way S3 sends it."""
    record = load_event("s3_object_created.json")["Records"][0]
    record["eventName"] = event_name
    record["eventTime"] = event_time
    record["s3"]["bucket"]["name"] = bucket
    record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{bucket}"
    obj = record["s3"]["object"]
    obj["key"] = quote_plus(key, safe="/")
    obj["eTag"] = etag
    if version_id:
        obj["versionId"] = version_id
    else:
        obj.pop("versionId", None)
    return record


def s3_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}
