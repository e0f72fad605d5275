"""Deleting photos on the applied local stack: the photo's item and thumbnail go within seconds;
deleting an older version leaves the current photo as it was. Everything created is removed."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from boto3.dynamodb.types import TypeDeserializer
from PIL import Image

from tests.conftest import LocalAws


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (96, 64), colour).save(out, "JPEG")
    return out.getvalue()


class Photos:
    def __init__(self, local_aws: LocalAws, outputs: dict) -> None:
        self.s3 = local_aws.client("s3")
        self.dynamodb = local_aws.client("dynamodb")
        self.bucket = outputs["bucket_name"]
        self.table = outputs["image_metadata_table_name"]
        self.owner = f"e2e-delete-{uuid.uuid4().hex[:8]}"

    def key(self, name: str) -> str:
        return f"Incoming/{self.owner}/album/{name}"

    def item(self, key: str) -> dict | None:
        raw = self.dynamodb.get_item(
            TableName=self.table,
            Key={"imageID": {"S": key.removeprefix("Incoming/")}},
            ConsistentRead=True,
        ).get("Item")
        deserialize = TypeDeserializer().deserialize
        return {k: deserialize(v) for k, v in raw.items()} if raw else None

    def versions(self, key: str) -> list[dict]:
        listed = self.s3.list_object_versions(Bucket=self.bucket, Prefix=key)
        entries = listed.get("Versions", []) + listed.get("DeleteMarkers", [])
        return [e for e in entries if e["Key"] == key]

    def thumbnail(self, key: str) -> str:
        """The thumbnail rendition's key: Thumbnails/<owner>/thumbnail/<rest>."""
        owner, rest = key.removeprefix("Incoming/").split("/", 1)
        return f"Thumbnails/{owner}/thumbnail/{rest}"

    def cleanup(self) -> None:
        for prefix in (f"Incoming/{self.owner}/", f"Thumbnails/{self.owner}/"):
            listed = self.s3.list_object_versions(Bucket=self.bucket, Prefix=prefix)
            for entry in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
                self.s3.delete_object(
                    Bucket=self.bucket, Key=entry["Key"], VersionId=entry["VersionId"]
                )


@pytest.fixture
def photos(local_aws: LocalAws, deployed) -> Iterator[Photos]:
    made = Photos(local_aws, deployed["outputs"])
    yield made
    made.cleanup()


def _wait(predicate: Callable[[], object], timeout_s: float, what: str, seen=None) -> object:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"{what} not within {timeout_s}s" + (f"; last seen: {seen()}" if seen else ""))


def _succeeded(photos: Photos, key: str, other_than: str | None = None) -> dict:
    def done() -> dict | None:
        item = photos.item(key)
        if item and item.get("processingStatus") == "SUCCEEDED":
            return item if item["executionArn"] != other_than else None
        return None

    return _wait(done, 120, f"{key} SUCCEEDED", seen=lambda: photos.item(key))


def test_deleting_a_photo_removes_its_item_and_thumbnail_within_seconds(photos: Photos):
    key = photos.key("to-delete.jpg")
    photos.s3.put_object(Bucket=photos.bucket, Key=key, Body=_jpeg((200, 30, 30)))
    _succeeded(photos, key)
    assert photos.versions(photos.thumbnail(key))

    photos.s3.delete_object(Bucket=photos.bucket, Key=key)

    _wait(lambda: photos.item(key) is None, 30, "the item removed", seen=lambda: photos.item(key))
    _wait(
        lambda: photos.versions(photos.thumbnail(key)) == [],
        30,
        "every thumbnail version removed",
        seen=lambda: photos.versions(photos.thumbnail(key)),
    )


def test_deleting_an_older_version_leaves_the_current_photo(
    photos: Photos, local_aws: LocalAws, deployed
):
    key = photos.key("two-versions.jpg")
    old = photos.s3.put_object(Bucket=photos.bucket, Key=key, Body=_jpeg((20, 200, 20)))
    first = _succeeded(photos, key)
    photos.s3.put_object(Bucket=photos.bucket, Key=key, Body=_jpeg((20, 20, 200)))
    current = _succeeded(photos, key, other_than=first["executionArn"])

    photos.s3.delete_object(Bucket=photos.bucket, Key=key, VersionId=old["VersionId"])

    # The trigger has judged the removal once its log says so; then nothing may have changed.
    function = deployed["outputs"]["function_names"]["start_execution"]
    _wait(
        lambda: any(
            "A current version remains" in line and key in line
            for line in local_aws.function_log(function).splitlines()
        ),
        30,
        "the removal judged",
    )
    assert photos.item(key) == current
    assert len([v for v in photos.versions(photos.thumbnail(key)) if "ETag" in v]) >= 1
