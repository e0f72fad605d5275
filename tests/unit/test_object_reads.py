"""Every step that reads the uploaded object reads the version start_execution saw, and refuses
an object over MAX_OBJECT_BYTES from its size before reading its content."""

from __future__ import annotations

import io

import pytest
from image_pipeline import sources
from image_pipeline.errors import ImageTooLarge
from image_pipeline.handlers import detect_labels, extract_metadata, generate_thumbnail
from PIL import Image

from . import images
from .conftest import BUCKET, OWNER

KEY = f"Incoming/{OWNER}/Trip/photo.jpg"
IMAGE_ID = KEY.removeprefix("Incoming/")
GIB = 1024**3


class UnreadBody:
    """A response body that must never be read."""

    def __init__(self) -> None:
        self.closed = False

    def read(self, *args: object) -> bytes:
        raise AssertionError("the body of an oversized object was read")

    def close(self) -> None:
        self.closed = True


class HugeObjectS3:
    """GetObject of a 1 GiB object: the headers S3 sends, a body nobody may read."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.bodies: list[UnreadBody] = []

    def get_object(self, **params: object) -> dict:
        self.calls.append(params)
        body = UnreadBody()
        self.bodies.append(body)
        if "Range" in params:  # bytes=0-65535
            return {"ContentRange": f"bytes 0-65535/{GIB}", "ContentLength": 65536, "Body": body}
        return {"ContentLength": GIB, "Body": body}


@pytest.fixture
def huge_object(monkeypatch) -> HugeObjectS3:
    fake = HugeObjectS3()
    monkeypatch.setattr(sources, "client", lambda name: fake)
    return fake


@pytest.fixture
def refusing_rekognition(monkeypatch) -> list[dict]:
    """Rekognition refuses the S3 object: the step must read and decode it itself."""
    from botocore.exceptions import ClientError
    from image_pipeline import labels

    calls: list[dict] = []

    class Refusing:
        def detect_labels(self, **kwargs):
            calls.append(kwargs)
            if "S3Object" in kwargs["Image"]:
                error = {"Error": {"Code": "ImageTooLargeException", "Message": "too big"}}
                raise ClientError(error, "DetectLabels")
            return {"Labels": [{"Name": "Grey", "Confidence": 90.0}]}

    monkeypatch.setattr(labels, "client", lambda name: Refusing())
    return calls


EVENT = {"s3Bucket": BUCKET, "s3Key": KEY, "s3VersionId": "v1", "imageID": IMAGE_ID}


# ----------------------------------------------------------------------- the size limit


def test_extract_metadata_refuses_from_the_announced_size(huge_object, lambda_context):
    with pytest.raises(ImageTooLarge) as info:
        extract_metadata.handler(EVENT, lambda_context)
    assert str(info.value) == f"The object is {GIB} bytes, over the limit of 52428800 bytes"
    assert [c.get("Range") for c in huge_object.calls] == ["bytes=0-65535"]
    assert huge_object.bodies[0].closed
    assert huge_object.calls[0]["VersionId"] == "v1"


def test_generate_thumbnail_refuses_before_reading(huge_object, lambda_context):
    with pytest.raises(ImageTooLarge, match="over the limit of 52428800 bytes"):
        generate_thumbnail.handler(EVENT, lambda_context)
    assert huge_object.bodies[0].closed
    assert huge_object.calls == [{"Bucket": BUCKET, "Key": KEY, "VersionId": "v1"}]


def test_detect_labels_rendition_refuses_before_reading(
    huge_object, refusing_rekognition, lambda_context
):
    with pytest.raises(ImageTooLarge, match="over the limit of 52428800 bytes"):
        detect_labels.handler(EVENT, lambda_context)
    assert len(refusing_rekognition) == 1  # no rendition sent
    assert huge_object.bodies[0].closed


@pytest.mark.parametrize(
    "function", [extract_metadata, generate_thumbnail], ids=["metadata", "thumbnail"]
)
def test_the_size_limit_comes_from_the_environment(s3, lambda_context, monkeypatch, function):
    data = images.jpeg((40, 30))
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=data)
    event = {"s3Bucket": BUCKET, "s3Key": KEY, "imageID": IMAGE_ID}
    monkeypatch.setenv("MAX_OBJECT_BYTES", str(len(data) - 1))
    with pytest.raises(ImageTooLarge) as info:
        function.handler(event, lambda_context)
    assert type(info.value).__name__ == "ImageTooLarge"  # the name Step Functions sees
    monkeypatch.setenv("MAX_OBJECT_BYTES", str(len(data)))
    assert function.handler(event, lambda_context)["width"] == 40


def test_detect_labels_size_limit_from_env(s3, lambda_context, monkeypatch, refusing_rekognition):
    data = images.jpeg((40, 30))
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=data)
    event = {"s3Bucket": BUCKET, "s3Key": KEY}
    monkeypatch.setenv("MAX_OBJECT_BYTES", str(len(data) - 1))
    with pytest.raises(ImageTooLarge):
        detect_labels.handler(event, lambda_context)
    monkeypatch.setenv("MAX_OBJECT_BYTES", str(len(data)))
    assert detect_labels.handler(event, lambda_context) == [{"name": "Grey", "confidence": 90.0}]


# ---------------------------------------------------------------- the version read


@pytest.fixture
def two_versions(versioned) -> tuple[str, str]:
    """KEY as a 40x30 JPEG (the version start_execution saw), then replaced by a 9x7 PNG."""
    first = versioned.put_object(Bucket=BUCKET, Key=KEY, Body=images.jpeg((40, 30)))
    second = versioned.put_object(
        Bucket=BUCKET, Key=KEY, Body=images.encode(Image.new("RGB", (9, 7)), "PNG")
    )
    return first["VersionId"], second["VersionId"]


def test_extract_metadata_reads_the_version_it_is_given(two_versions, lambda_context):
    v1, _ = two_versions
    pinned = extract_metadata.handler({**EVENT, "s3VersionId": v1}, lambda_context)
    assert (pinned["format"], pinned["width"], pinned["height"]) == ("JPEG", 40, 30)
    current = extract_metadata.handler({**EVENT, "s3VersionId": None}, lambda_context)
    assert (current["format"], current["width"], current["height"]) == ("PNG", 9, 7)


def test_extract_metadata_reads_the_rest_of_the_same_version(versioned, lambda_context):
    data = images.big_header_jpeg(90_000)  # the header needs a second ranged GET
    v1 = versioned.put_object(Bucket=BUCKET, Key=KEY, Body=data)["VersionId"]
    versioned.put_object(Bucket=BUCKET, Key=KEY, Body=b"\xff\xd8\xff" + b"\0" * 100_000)
    result = extract_metadata.handler({**EVENT, "s3VersionId": v1}, lambda_context)
    assert (result["width"], result["height"], result["fileSize"]) == (320, 240, len(data))


def test_generate_thumbnail_reads_the_version_it_is_given(two_versions, versioned, lambda_context):
    v1, _ = two_versions
    result = generate_thumbnail.handler({**EVENT, "s3VersionId": v1}, lambda_context)
    assert (result["width"], result["height"]) == (40, 30)  # never enlarged
    thumb = versioned.get_object(Bucket=BUCKET, Key=result["s3Key"])
    assert thumb["ContentType"] == "image/jpeg"  # the JPEG, not the PNG that replaced it
    assert Image.open(io.BytesIO(thumb["Body"].read())).size == (40, 30)


def test_detect_labels_asks_rekognition_for_the_version(s3, lambda_context):
    from image_pipeline.clients import client

    seen: list[dict] = []
    client("rekognition").meta.events.register(
        "provide-client-params.rekognition.DetectLabels",
        lambda params, **kwargs: seen.append(dict(params)),
    )
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=images.jpeg())
    detect_labels.handler({**EVENT, "s3VersionId": "v1"}, lambda_context)
    assert seen[0]["Image"] == {"S3Object": {"Bucket": BUCKET, "Name": KEY, "Version": "v1"}}


def test_detect_labels_rendition_reads_the_version_it_is_given(
    two_versions, lambda_context, refusing_rekognition
):
    v1, _ = two_versions
    detect_labels.handler({**EVENT, "s3VersionId": v1}, lambda_context)
    assert refusing_rekognition[0]["Image"]["S3Object"]["Version"] == v1
    rendition = Image.open(io.BytesIO(refusing_rekognition[1]["Image"]["Bytes"]))
    assert rendition.size == (40, 30)  # the JPEG, not the PNG that replaced it
