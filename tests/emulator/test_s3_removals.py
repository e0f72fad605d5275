"""S3 removals on the emulator as S3 does them: ObjectRemoved notifications for delete markers
and every deleted version (patches.s3_versioned_removal_events), and a suspended bucket's keys
with delete markers emptied (patches.s3_delete_markers_can_be_disposed)."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.conftest import LocalAws

KEY = "Incoming/owner/album/a b+c.jpg"


@pytest.fixture
def watched(local_aws: LocalAws):
    """A versioned bucket whose ObjectRemoved events go to an SQS queue."""
    s3, sqs = local_aws.client("s3"), local_aws.client("sqs")
    bucket = f"removals-{uuid.uuid4().hex[:10]}"
    queue = sqs.create_queue(QueueName=bucket)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectRemoved:*"]}]
        },
    )
    yield s3, bucket, lambda: _records(sqs, queue)
    listed = s3.list_object_versions(Bucket=bucket)
    for entry in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
        s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])
    s3.delete_bucket(Bucket=bucket)
    sqs.delete_queue(QueueUrl=queue)


def _records(sqs, queue: str) -> list[dict]:
    out = []
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            out += json.loads(message["Body"]).get("Records", [])
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return out


def _shape(record: dict) -> tuple[str, str, str | None, set[str]]:
    obj = record["s3"]["object"]
    return record["eventName"], obj["key"], obj.get("versionId"), set(obj)


def test_a_delete_marker_and_every_deleted_version_send_their_event(watched):
    s3, bucket, records = watched
    first = s3.put_object(Bucket=bucket, Key=KEY, Body=b"one")["VersionId"]
    second = s3.put_object(Bucket=bucket, Key=KEY, Body=b"two")["VersionId"]

    marker = s3.delete_object(Bucket=bucket, Key=KEY)["VersionId"]
    s3.delete_object(Bucket=bucket, Key=KEY, VersionId=first)  # an older version, not the last

    encoded = "Incoming/owner/album/a+b%2Bc.jpg"
    fields = {"key", "versionId", "sequencer"}  # S3 sends neither eTag nor size on removal
    assert [_shape(r) for r in records()] == [
        ("ObjectRemoved:DeleteMarkerCreated", encoded, marker, fields),
        ("ObjectRemoved:Delete", encoded, first, fields),
    ]
    assert s3.list_object_versions(Bucket=bucket)["Versions"][0]["VersionId"] == second


def test_a_suspended_buckets_keys_with_delete_markers_can_be_emptied(watched):
    """Terraform's force_destroy suspends versioning, then deletes every version."""
    s3, bucket, _ = watched
    s3.put_object(Bucket=bucket, Key=KEY, Body=b"one")
    s3.delete_object(Bucket=bucket, Key=KEY)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    listed = s3.list_object_versions(Bucket=bucket)
    entries = listed.get("Versions", []) + listed.get("DeleteMarkers", [])
    objects = [{"Key": e["Key"], "VersionId": e["VersionId"]} for e in entries]

    answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": objects})

    assert not answer.get("Errors")
    listed = s3.list_object_versions(Bucket=bucket)
    assert listed.get("Versions", []) + listed.get("DeleteMarkers", []) == []


def test_a_version_listing_skips_a_key_deleted_while_it_lists():
    """patches.s3_version_listing_survives_concurrent_deletes: the listing walks a copy of the
    keys; a key whose last version went in between is left out (moto 5.2.5 answered 500)."""
    import sys

    from moto.s3.utils import _VersionedKeyStore

    from tests.conftest import ROOT

    sys.path.insert(0, str(ROOT / "tools"))
    from local_aws import patches

    patches.s3_version_listing_survives_concurrent_deletes()
    store = _VersionedKeyStore()
    store["kept.jpg"], store["deleted.jpg"] = "v1", "v2"
    walked = dict(store)  # the copy a listing walks, taken before the delete
    dict.pop(store, "deleted.jpg")  # its last version deleted meanwhile
    store._self_iterable = lambda: walked
    assert list(store.iterlists()) == [("kept.jpg", ["v1"])]
