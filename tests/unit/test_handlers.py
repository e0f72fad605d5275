"""The state machine's task handlers against moto: I/O shapes of docs/contracts.md."""

from __future__ import annotations

import hashlib
import io
import json
from decimal import Decimal

import pytest
from image_pipeline.errors import (
    ExecutionNotAllowed,
    ExecutionNotDescribable,
    FileTypeNotSupported,
    ImageDecodeError,
    ImageIdentifyError,
    ImageTooLarge,
    InvalidInput,
)
from image_pipeline.handlers import (
    describe_execution,
    detect_labels,
    extract_metadata,
    generate_thumbnail,
    record_failure,
    store_metadata,
    transform_metadata,
)
from image_pipeline.sources import PREFIX_BYTES
from PIL import Image

from . import images
from .conftest import BUCKET, STATE_MACHINE_ARN

NAME = "photo-jpg-abc"
ARN = STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:") + ":" + NAME
EXPRESS_ARN = (
    STATE_MACHINE_ARN.replace(":stateMachine:", ":express:")
    + f":{NAME}:2b3c4d5e-6f70-4182-9a3b-4c5d6e7f8091"
)


def put(s3, key: str, data: bytes) -> dict:
    s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    return {"s3Bucket": BUCKET, "s3Key": key, "imageID": key.removeprefix("Incoming/")}


def count_s3_bytes(s3_client) -> list[int]:
    """Bytes each GetObject returned, counted by a botocore hook on the library's client."""
    fetched: list[int] = []

    def after_call(http_response, parsed, **kwargs):
        fetched.append(int(parsed.get("ContentLength", 0)))

    s3_client.meta.events.register("after-call.s3.GetObject", after_call)
    return fetched


# --------------------------------------------------------------------- extract_metadata


def test_extract_metadata_real_photo(s3, lambda_context):
    event = put(s3, "Incoming/iphone.jpg", images.fixture("has-lens-info.jpg"))
    result = extract_metadata.handler(event, lambda_context)
    assert result == {
        "format": "JPEG",
        "width": 102,
        "height": 205,
        "fileSize": 22493,
        "exifMake": "Apple",
        "exifModel": "iPhone 4S",
        "creationTime": "2014-09-01T15:03:47",
        "geo": {"latitude": 59.332547, "longitude": 18.064942},
        "orientation": 6,
    }


def test_extract_metadata_reads_64k_with_one_ranged_get(s3, lambda_context):
    from image_pipeline.clients import client

    data = images.noisy_jpeg((1000, 800))
    assert len(data) > 10 * PREFIX_BYTES
    event = put(s3, "Incoming/big.jpg", data)
    fetched = count_s3_bytes(client("s3"))
    result = extract_metadata.handler(event, lambda_context)
    assert fetched == [65536]
    assert result["fileSize"] == len(data)
    assert (result["width"], result["height"]) == (1000, 800)


def test_extract_metadata_fetches_more_only_when_header_needs_it(s3, lambda_context):
    from image_pipeline.clients import client

    data = images.big_header_jpeg(90_000)
    event = put(s3, "Incoming/icc.jpg", data)
    fetched = count_s3_bytes(client("s3"))
    result = extract_metadata.handler(event, lambda_context)
    assert fetched == [65536, len(data) - 65536]  # the rest, never the prefix again
    assert (result["width"], result["height"]) == (320, 240)


def test_extract_metadata_small_file_single_get(s3, lambda_context):
    from image_pipeline.clients import client

    event = put(s3, "Incoming/small.png", images.encode(Image.new("RGB", (9, 7)), "PNG"))
    fetched = count_s3_bytes(client("s3"))
    result = extract_metadata.handler(event, lambda_context)
    assert result["format"] == "PNG" and result["fileSize"] == fetched[0]
    assert len(fetched) == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", ImageIdentifyError),
        (b"plain text pretending to be a photo", ImageIdentifyError),
        (images.gif(), FileTypeNotSupported),
        (images.png_bomb(), ImageTooLarge),
        (images.jpeg()[:100], ImageDecodeError),
    ],
    ids=["empty", "text", "gif", "bomb", "truncated-header"],
)
def test_extract_metadata_named_errors(s3, lambda_context, data, error):
    event = put(s3, "Incoming/bad.jpg", data)
    with pytest.raises(error) as info:
        extract_metadata.handler(event, lambda_context)
    assert type(info.value).__name__ == error.__name__  # the name Step Functions sees


def test_extract_metadata_pixel_limit_from_env(s3, lambda_context, monkeypatch):
    monkeypatch.setenv("MAX_IMAGE_PIXELS", "1000")
    event = put(s3, "Incoming/x.jpg", images.jpeg((40, 30)))
    with pytest.raises(ImageTooLarge):
        extract_metadata.handler(event, lambda_context)


def test_missing_object_is_a_transient_aws_error(s3, lambda_context):
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        extract_metadata.handler({"s3Bucket": BUCKET, "s3Key": "Incoming/none"}, lambda_context)


def test_extract_metadata_limit_above_pillows_own_from_env(s3, lambda_context, monkeypatch):
    monkeypatch.setenv("MAX_IMAGE_PIXELS", "200000000")
    event = put(s3, "Incoming/huge.png", images.png_bomb(*images.HUGE))
    result = extract_metadata.handler(event, lambda_context)
    assert (result["format"], result["width"], result["height"]) == ("PNG", *images.HUGE)


# -------------------------------------------------------------------- transform_metadata


def test_transform_full(lambda_context):
    raw = {
        "format": "JPEG",
        "width": 102,
        "height": 205,
        "fileSize": 22493,
        "exifMake": "Apple",
        "exifModel": "iPhone 4S",
        "creationTime": "2014-09-01T15:03:47",
        "geo": {"latitude": 59.332547, "longitude": 18.064942},
        "orientation": 6,
    }
    assert transform_metadata.handler(raw, lambda_context) == {
        "imageFormat": "JPEG",
        "dimensions": {"width": 102, "height": 205},
        "fileSize": 22493,
        "exifMake": "Apple",
        "exifModel": "iPhone 4S",
        "creationTime": "2014-09-01T15:03:47",
        "geo": {"latitude": 59.332547, "longitude": 18.064942},
    }


@pytest.mark.parametrize(
    "raw",
    [
        {"format": "PNG", "width": 5, "height": 4, "fileSize": 99},
        {
            "format": "PNG",
            "width": 5,
            "height": 4,
            "fileSize": 99,
            "exifMake": None,
            "exifModel": "",
            "creationTime": None,
            "geo": None,
        },
    ],
    ids=["absent", "null-and-empty"],
)
def test_transform_without_exif(lambda_context, raw):
    assert transform_metadata.handler(raw, lambda_context) == {
        "imageFormat": "PNG",
        "dimensions": {"width": 5, "height": 4},
        "fileSize": 99,
    }


def test_transform_never_breaks(lambda_context):
    assert transform_metadata.handler({}, lambda_context) == {}
    weird = {"format": "mpo", "width": "7", "height": 3, "geo": {"latitude": 999}}
    assert transform_metadata.handler(weird, lambda_context) == {
        "imageFormat": "JPEG",
        "dimensions": {"width": 7, "height": 3},
    }


def test_transform_reads_only_the_raw_shape(lambda_context):
    stored = {"imageFormat": "JPEG", "dimensions": {"width": 5, "height": 4}, "fileSize": 9}
    assert transform_metadata.handler(stored, lambda_context) == {"fileSize": 9}


# ------------------------------------------------------------------------ detect_labels


def capture_params(operation: str) -> list[dict]:
    from image_pipeline.clients import client

    seen: list[dict] = []
    client("rekognition").meta.events.register(
        f"provide-client-params.rekognition.{operation}",
        lambda params, **kwargs: seen.append(dict(params)),
    )
    return seen


def test_detect_labels_shape_and_defaults(s3, lambda_context):
    event = put(s3, "Incoming/x.jpg", images.jpeg())
    seen = capture_params("DetectLabels")
    labels = detect_labels.handler({"s3Bucket": BUCKET, "s3Key": event["s3Key"]}, lambda_context)
    assert seen == [
        {
            "Image": {"S3Object": {"Bucket": BUCKET, "Name": "Incoming/x.jpg"}},
            "MaxLabels": 10,
            "MinConfidence": 60.0,
        }
    ]
    assert labels and all(set(label) == {"name", "confidence"} for label in labels)
    assert all(isinstance(label["name"], str) for label in labels)
    assert all(isinstance(label["confidence"], float) for label in labels)
    confidences = [label["confidence"] for label in labels]
    assert confidences == sorted(confidences, reverse=True)


def test_detect_labels_env(s3, lambda_context, monkeypatch):
    monkeypatch.setenv("MAX_LABELS", "3")
    monkeypatch.setenv("MIN_CONFIDENCE", "85.5")
    seen = capture_params("DetectLabels")
    detect_labels.handler({"s3Bucket": BUCKET, "s3Key": "Incoming/x.jpg"}, lambda_context)
    assert (seen[0]["MaxLabels"], seen[0]["MinConfidence"]) == (3, 85.5)


def test_labeller_seam(monkeypatch):
    from image_pipeline import labels

    class FakeRekognition:
        def detect_labels(self, **kwargs):
            return {
                "Labels": [
                    {"Name": "Dog", "Confidence": 71.234567},
                    {"Name": "Animal", "Confidence": 99.9},
                ]
            }

    monkeypatch.setattr(labels, "client", lambda name: FakeRekognition())
    assert labels.detect_labels("b", "k") == [
        {"name": "Animal", "confidence": 99.9},
        {"name": "Dog", "confidence": 71.23},
    ]


def test_labeller_falls_back_to_a_rendition_for_oversized_objects(s3, monkeypatch):
    from botocore.exceptions import ClientError
    from image_pipeline import labels

    put(s3, "Incoming/huge.jpg", images.jpeg((3000, 1500), color=(0, 0, 0, 0), mode="CMYK"))
    calls: list[dict] = []

    class OversizedRekognition:
        def detect_labels(self, **kwargs):
            calls.append(kwargs)
            if "S3Object" in kwargs["Image"]:
                error = {"Error": {"Code": "ImageTooLargeException", "Message": "too big"}}
                raise ClientError(error, "DetectLabels")
            return {"Labels": [{"Name": "Night", "Confidence": 80.0}]}

    real_client = labels.client
    monkeypatch.setattr(
        labels,
        "client",
        lambda name: OversizedRekognition() if name == "rekognition" else real_client(name),
    )
    assert labels.detect_labels(BUCKET, "Incoming/huge.jpg") == [
        {"name": "Night", "confidence": 80.0}
    ]
    assert len(calls) == 2
    rendition = Image.open(io.BytesIO(calls[1]["Image"]["Bytes"]))
    assert (rendition.format, rendition.mode, rendition.size) == ("JPEG", "RGB", (1024, 512))
    assert (calls[1]["MaxLabels"], calls[1]["MinConfidence"]) == (10, 60.0)


def test_labeller_does_not_swallow_other_errors(monkeypatch):
    from botocore.exceptions import ClientError
    from image_pipeline import labels

    class Throttled:
        def detect_labels(self, **kwargs):
            error = {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}
            raise ClientError(error, "DetectLabels")

    monkeypatch.setattr(labels, "client", lambda name: Throttled())
    with pytest.raises(ClientError, match="ThrottlingException"):
        labels.detect_labels("b", "k")


@pytest.fixture
def refusing_rekognition(monkeypatch) -> list[dict]:
    """Rekognition refuses the S3 object (too large): labels come from a decoded rendition."""
    from botocore.exceptions import ClientError
    from image_pipeline import labels

    calls: list[dict] = []

    class OversizedRekognition:
        def detect_labels(self, **kwargs):
            calls.append(kwargs)
            if "S3Object" in kwargs["Image"]:
                error = {"Error": {"Code": "ImageTooLargeException", "Message": "too big"}}
                raise ClientError(error, "DetectLabels")
            return {"Labels": [{"Name": "Grey", "Confidence": 90.0}]}

    real_client = labels.client
    monkeypatch.setattr(
        labels,
        "client",
        lambda name: OversizedRekognition() if name == "rekognition" else real_client(name),
    )
    return calls


def test_detect_labels_rendition_honours_the_pixel_limit_from_env(
    s3, lambda_context, monkeypatch, refusing_rekognition
):
    monkeypatch.setenv("MAX_IMAGE_PIXELS", "1000")
    put(s3, "Incoming/x.jpg", images.jpeg((40, 30)))
    with pytest.raises(ImageTooLarge) as info:
        detect_labels.handler({"s3Bucket": BUCKET, "s3Key": "Incoming/x.jpg"}, lambda_context)
    assert type(info.value).__name__ == "ImageTooLarge"
    assert len(refusing_rekognition) == 1  # refused before any rendition was sent


@pytest.mark.parametrize(
    ("limit", "admitted"), [(None, False), ("200000000", True)], ids=["default", "200MP"]
)
def test_detect_labels_rendition_of_a_180_mp_image(
    s3, lambda_context, monkeypatch, refusing_rekognition, limit, admitted
):
    if limit:
        monkeypatch.setenv("MAX_IMAGE_PIXELS", limit)
    put(s3, "Incoming/huge.jpg", images.jpeg_claiming(*images.HUGE))
    event = {"s3Bucket": BUCKET, "s3Key": "Incoming/huge.jpg"}
    if not admitted:
        with pytest.raises(ImageTooLarge):
            detect_labels.handler(event, lambda_context)
        return
    assert detect_labels.handler(event, lambda_context) == [{"name": "Grey", "confidence": 90.0}]
    rendition = Image.open(io.BytesIO(refusing_rekognition[1]["Image"]["Bytes"]))
    assert rendition.size == (1024, 819)


def test_labeller_takes_the_pixel_limit_as_an_argument(s3, refusing_rekognition):
    from image_pipeline import labels

    put(s3, "Incoming/x.jpg", images.jpeg((40, 30)))
    with pytest.raises(ImageTooLarge):
        labels.detect_labels(BUCKET, "Incoming/x.jpg", max_image_pixels=1199)
    assert labels.detect_labels(BUCKET, "Incoming/x.jpg", max_image_pixels=1200)


# ------------------------------------------------------------------- generate_thumbnail


def test_generate_thumbnail_writes_stripped_jpeg(s3, lambda_context):
    data = images.oriented_jpeg(6, displayed=(600, 300), make="Cam", lat=-33.85, lon=151.21)
    event = put(s3, "Incoming/me/my photo+1.jpg", data)
    result = generate_thumbnail.handler(event, lambda_context)
    thumb_key, preview_key = (
        "Thumbnails/me/thumbnail/my photo+1.jpg",
        "Thumbnails/me/preview/my photo+1.jpg",
    )
    # The thumbnail rendition, as generate_thumbnail returned it before renditions.
    assert {k: result[k] for k in ("s3Bucket", "s3Key", "width", "height")} == {
        "s3Bucket": BUCKET,
        "s3Key": thumb_key,
        "width": 250,
        "height": 125,
    }
    assert [
        (r["name"], r["s3Key"], r["width"], r["height"], r["format"]) for r in result["renditions"]
    ] == [
        ("thumbnail", thumb_key, 250, 125, "JPEG"),
        ("preview", preview_key, 600, 300, "JPEG"),
    ]
    assert result["contentHash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    assert result["perceptualHash"].startswith("phash:") and result["placeholder"]
    for rendition in result["renditions"]:
        obj = s3.get_object(Bucket=BUCKET, Key=rendition["s3Key"])
        assert obj["ContentType"] == "image/jpeg"
        body = obj["Body"].read()
        assert len(body) == rendition["bytes"]
        image = Image.open(io.BytesIO(body))
        assert image.size == (rendition["width"], rendition["height"])
        assert "exif" not in image.info and not image.getexif()
        assert b"Exif" not in body


def test_generate_thumbnail_png_keeps_alpha(s3, lambda_context, monkeypatch):
    monkeypatch.setenv("THUMBNAIL_SIZE", "100")  # RENDITIONS unset: thumbnail:100,preview:1280
    monkeypatch.setenv("THUMBNAIL_PREFIX", "thumbs/")
    source = Image.new("RGBA", (400, 400), (0, 0, 255, 0))
    event = put(s3, "Incoming/a.png", images.encode(source, "PNG"))
    result = generate_thumbnail.handler(event, lambda_context)
    assert (result["s3Key"], result["width"], result["height"]) == (
        "thumbs/thumbnail/a.png",
        100,
        100,
    )
    obj = s3.get_object(Bucket=BUCKET, Key="thumbs/thumbnail/a.png")
    assert obj["ContentType"] == "image/png"
    image = Image.open(io.BytesIO(obj["Body"].read()))
    assert image.mode == "RGBA" and image.getpixel((50, 50))[3] == 0


def test_generate_thumbnail_renditions_from_env(s3, lambda_context, monkeypatch):
    monkeypatch.setenv("RENDITIONS", "small:64,thumbnail:128")
    event = put(s3, "Incoming/o/b.jpg", images.jpeg((400, 200)))
    result = generate_thumbnail.handler(event, lambda_context)
    assert [(r["name"], r["width"]) for r in result["renditions"]] == [
        ("small", 64),
        ("thumbnail", 128),
    ]
    assert (result["s3Key"], result["width"]) == ("Thumbnails/o/thumbnail/b.jpg", 128)


def test_generate_thumbnail_truncated(s3, lambda_context):
    data = images.noisy_jpeg((300, 200))
    event = put(s3, "Incoming/t.jpg", data[: len(data) // 3])
    with pytest.raises(ImageDecodeError):
        generate_thumbnail.handler(event, lambda_context)
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="Thumbnails/")


def test_generate_thumbnail_pixel_limit_from_env(s3, lambda_context, monkeypatch):
    monkeypatch.setenv("MAX_IMAGE_PIXELS", "1000")
    event = put(s3, "Incoming/x.jpg", images.jpeg((40, 30)))
    with pytest.raises(ImageTooLarge) as info:
        generate_thumbnail.handler(event, lambda_context)
    assert type(info.value).__name__ == "ImageTooLarge"
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="Thumbnails/")


def test_generate_thumbnail_limit_above_pillows_own_from_env(s3, lambda_context, monkeypatch):
    event = put(s3, "Incoming/huge.jpg", images.jpeg_claiming(*images.HUGE))
    with pytest.raises(ImageTooLarge):
        generate_thumbnail.handler(event, lambda_context)
    monkeypatch.setenv("MAX_IMAGE_PIXELS", "200000000")
    result = generate_thumbnail.handler(event, lambda_context)
    assert (result["s3Key"], result["width"], result["height"]) == (
        "Thumbnails/thumbnail/huge.jpg",
        250,
        200,
    )


# --------------------------------------------------------------- store / record_failure


def seed(table, status="RUNNING", name=NAME, arn: str | None = ARN) -> None:
    """An item owned by the execution ``name`` (``arn``: what mark_running recorded, if any)."""
    item = {
        "imageID": "photo.jpg",
        "s3key": "Incoming/photo.jpg",
        "executionName": name,
        "processingStatus": status,
        "uploadTime": 1795608000000,
    }
    if arn is not None:
        item["executionArn"] = arn
    table.put_item(Item=item)


def get(table) -> dict:
    return table.get_item(Key={"imageID": "photo.jpg"}, ConsistentRead=True)["Item"]


STORE_EVENT = {
    "imageID": "photo.jpg",
    "executionArn": ARN,
    "metadata": {
        "imageFormat": "JPEG",
        "dimensions": {"width": 102, "height": 205},
        "fileSize": 22493,
        "exifMake": "Apple",
        "geo": {"latitude": 59.332547, "longitude": -18.064942},
    },
    "tags": [{"name": "Person", "confidence": 98.76}, {"name": "City", "confidence": 61.5}],
    "thumbnail": {"s3Bucket": BUCKET, "s3Key": "Thumbnails/photo.jpg", "width": 102, "height": 205},
}


def test_store_metadata(table, lambda_context):
    seed(table)
    result = store_metadata.handler(STORE_EVENT, lambda_context)
    assert result == {"imageID": "photo.jpg", "processingStatus": "SUCCEEDED"}
    stored = get(table)
    assert stored["processingStatus"] == "SUCCEEDED"
    assert stored["imageFormat"] == "JPEG"
    assert stored["dimensions"] == {"width": 102, "height": 205}
    assert stored["fileSize"] == 22493
    assert stored["exifMake"] == "Apple"
    assert "exifModel" not in stored and "creationTime" not in stored
    assert stored["geo"] == {
        "latitude": Decimal("59.332547"),
        "longitude": Decimal("-18.064942"),
    }
    assert stored["tags"] == [
        {"name": "Person", "confidence": Decimal("98.76")},
        {"name": "City", "confidence": Decimal("61.5")},
    ]
    assert stored["thumbnail"] == {"s3Bucket": BUCKET, "s3Key": "Thumbnails/photo.jpg"}
    assert stored["s3key"] == "Incoming/photo.jpg"  # untouched


def test_store_metadata_tags_never_store_nulls(table, lambda_context):
    seed(table)
    event = {**STORE_EVENT, "tags": [{"name": "Tree", "confidence": None}, "Sky", {}]}
    store_metadata.handler(event, lambda_context)
    assert get(table)["tags"] == [{"name": "Tree"}, {"name": "Sky"}]


def test_store_metadata_for_a_superseded_execution_changes_nothing(table, lambda_context):
    newer = NAME + "-newer"
    seed(table, name=newer, arn=ARN + "-newer")
    result = store_metadata.handler(STORE_EVENT, lambda_context)
    assert result["imageID"] == "photo.jpg"
    stored = get(table)
    assert stored["processingStatus"] == "RUNNING"
    assert stored["executionName"] == newer
    assert stored["executionArn"] == ARN + "-newer"
    assert "tags" not in stored


def test_store_metadata_owns_by_name_not_by_arn(table, lambda_context):
    # The item's executionArn is only information: an item that names this execution is
    # written even when its recorded ARN differs, and the final write records the event's.
    seed(table, arn=None)
    store_metadata.handler(STORE_EVENT, lambda_context)
    stored = get(table)
    assert (stored["processingStatus"], stored["executionName"]) == ("SUCCEEDED", NAME)
    assert stored["executionArn"] == ARN


def test_store_metadata_takes_the_name_from_an_express_arn(table, lambda_context):
    seed(table, arn=None)
    store_metadata.handler({**STORE_EVENT, "executionArn": EXPRESS_ARN}, lambda_context)
    stored = get(table)
    assert (stored["processingStatus"], stored["executionName"]) == ("SUCCEEDED", NAME)
    assert stored["executionArn"] == EXPRESS_ARN


def test_store_metadata_prefers_the_events_execution_name(table, lambda_context):
    seed(table, name="run-by-name", arn=None)
    event = {k: v for k, v in STORE_EVENT.items() if k != "executionArn"}
    store_metadata.handler({**event, "executionName": "run-by-name"}, lambda_context)
    stored = get(table)
    assert stored["processingStatus"] == "SUCCEEDED"
    assert "executionArn" not in stored  # none given: none invented
    # A name given wins over the one in the ARN: ARN's name (NAME) does not own the item.
    seed(table, name="run-by-name", arn=None)
    store_metadata.handler({**STORE_EVENT, "executionName": "another-run"}, lambda_context)
    assert get(table)["processingStatus"] == "RUNNING"


def test_store_metadata_missing_item_is_not_created(table, lambda_context):
    store_metadata.handler(STORE_EVENT, lambda_context)
    assert "Item" not in table.get_item(Key={"imageID": "photo.jpg"})


def test_record_failure_with_lambda_error_json(table, lambda_context):
    seed(table)
    cause = json.dumps(
        {
            "errorMessage": "The image header is corrupt or truncated",
            "errorType": "ImageDecodeError",
            "requestId": "abc",
            "stackTrace": ["  File x\n"] * 30,
        }
    )
    event = {"imageID": "photo.jpg", "executionArn": ARN, "error": "ImageDecodeError"}
    result = record_failure.handler({**event, "cause": cause}, lambda_context)
    assert result == {
        "imageID": "photo.jpg",
        "processingStatus": "FAILED",
        "error": "ImageDecodeError",
        "cause": "The image header is corrupt or truncated",
    }
    stored = get(table)
    assert (stored["processingStatus"], stored["error"]) == ("FAILED", "ImageDecodeError")
    assert stored["cause"] == "The image header is corrupt or truncated"


def test_record_failure_plain_cause_is_truncated(table, lambda_context):
    seed(table)
    event = {
        "imageID": "photo.jpg",
        "executionArn": ARN,
        "error": "FileTypeNotSupported",
        "cause": "Image type not supported! " * 40,
    }
    result = record_failure.handler(event, lambda_context)
    assert len(result["cause"]) <= 300
    assert result["cause"].startswith("Image type not supported! Image")
    assert get(table)["cause"] == result["cause"]


def test_record_failure_for_a_superseded_execution_changes_nothing(table, lambda_context):
    seed(table, status="SUCCEEDED", name=NAME + "-newer", arn=ARN + "-newer")
    event = {"imageID": "photo.jpg", "executionArn": ARN, "error": "States.Timeout", "cause": ""}
    result = record_failure.handler(event, lambda_context)
    assert result["processingStatus"] == "FAILED"
    stored = get(table)
    assert stored["processingStatus"] == "SUCCEEDED" and "error" not in stored
    assert (stored["executionName"], stored["executionArn"]) == (NAME + "-newer", ARN + "-newer")


def test_record_failure_of_an_express_execution_owns_by_name(table, lambda_context):
    seed(table, arn=None)
    event = {"imageID": "photo.jpg", "executionArn": EXPRESS_ARN, "error": "E", "cause": "c"}
    record_failure.handler(event, lambda_context)
    stored = get(table)
    assert (stored["processingStatus"], stored["error"]) == ("FAILED", "E")
    assert (stored["executionName"], stored["executionArn"]) == (NAME, EXPRESS_ARN)


def test_record_failure_with_only_the_execution_name(table, lambda_context):
    seed(table)
    event = {"imageID": "photo.jpg", "executionName": NAME, "error": "E", "cause": "c"}
    record_failure.handler(event, lambda_context)
    stored = get(table)
    assert (stored["processingStatus"], stored["error"]) == ("FAILED", "E")
    assert stored["executionArn"] == ARN  # mark_running's, kept


@pytest.mark.parametrize(
    "metadata",
    [
        {"format": "JPEG", "width": 102, "height": 205, "fileSize": 22493},
        {**STORE_EVENT["metadata"], "orientation": 6},
        {"dimensions": {"width": "102", "height": 205}},
        {"dimensions": [102, 205]},
        {"fileSize": "22493"},
        {"geo": {"latitude": 91.0, "longitude": 0.0}},
        {"exifMake": 42},
        "JPEG 102x205",
    ],
    ids=["raw", "extra-key", "string-width", "list", "string-size", "latitude", "make", "text"],
)
def test_store_metadata_refuses_anything_but_the_stored_form(table, lambda_context, metadata):
    seed(table)
    with pytest.raises(InvalidInput) as info:
        store_metadata.handler({**STORE_EVENT, "metadata": metadata}, lambda_context)
    assert type(info.value).__name__ == "InvalidInput"
    assert get(table)["processingStatus"] == "RUNNING"


def test_store_metadata_stores_what_it_gets_and_no_nulls(table, lambda_context):
    seed(table)
    metadata = {"imageFormat": "PNG", "fileSize": 0, "exifModel": None, "creationTime": ""}
    store_metadata.handler({**STORE_EVENT, "metadata": metadata}, lambda_context)
    stored = get(table)
    assert (stored["imageFormat"], stored["fileSize"]) == ("PNG", 0)
    assert not {"dimensions", "exifMake", "exifModel", "creationTime", "geo"} & stored.keys()


def test_store_metadata_without_metadata_stores_no_facts(table, lambda_context):
    seed(table)
    store_metadata.handler({**STORE_EVENT, "metadata": None}, lambda_context)
    stored = get(table)
    assert stored["processingStatus"] == "SUCCEEDED" and "imageFormat" not in stored


def test_record_failure_accepts_a_whole_catch_result(table, lambda_context):
    seed(table)
    event = {
        "imageID": "photo.jpg",
        "executionArn": ARN,
        "error": {"Error": "States.Timeout", "Cause": "Task timed out"},
    }
    result = record_failure.handler(event, lambda_context)
    assert (result["error"], result["cause"]) == ("States.Timeout", "Task timed out")
    assert get(table)["error"] == "States.Timeout"


@pytest.mark.parametrize(
    ("function", "event"),
    [
        (extract_metadata, {"s3Key": "Incoming/x.jpg"}),
        (detect_labels, {"s3Bucket": BUCKET, "s3Key": None}),
        (generate_thumbnail, {"s3Bucket": BUCKET, "s3Key": "Incoming/x.jpg"}),
        (transform_metadata, ["not", "an", "object"]),
        (store_metadata, {k: v for k, v in STORE_EVENT.items() if k != "executionArn"}),
        (store_metadata, {**STORE_EVENT, "thumbnail": {"s3Bucket": BUCKET}}),
        (record_failure, {"imageID": "photo.jpg", "error": "E", "cause": "c"}),
        (record_failure, {"imageID": "photo.jpg", "executionArn": "photo-jpg-abc", "error": "E"}),
        (store_metadata, {**STORE_EVENT, "executionArn": STATE_MACHINE_ARN}),
        (store_metadata, {**STORE_EVENT, "executionArn": None, "executionName": ""}),
    ],
    ids=[
        "no-bucket",
        "null-key",
        "no-image-id",
        "list",
        "no-arn",
        "thumbnail",
        "failure-arn",
        "failure-name-not-arn",
        "machine-arn",
        "empty-name",
    ],
)
def test_events_without_the_contracts_fields_are_a_named_error(
    aws, lambda_context, function, event
):
    with pytest.raises(InvalidInput) as info:
        function.handler(event, lambda_context)
    assert type(info.value).__name__ == "InvalidInput"


# -------------------------------------------------------------------- describe_execution


def test_describe_execution(sfn, lambda_context):
    started = sfn.start_execution(stateMachineArn=STATE_MACHINE_ARN, name="run-1", input="{}")
    result = describe_execution.handler({"executionArn": started["executionArn"]}, lambda_context)
    assert result["executionArn"] == started["executionArn"]
    assert result["status"] in ("RUNNING", "SUCCEEDED")
    assert result["startDate"][:2] == "20" and "T" in result["startDate"]
    json.dumps(result)  # JSON-safe for the web app


def test_describe_stopped_execution(sfn, lambda_context):
    arn = sfn.start_execution(stateMachineArn=STATE_MACHINE_ARN, name="run-2", input="{}")[
        "executionArn"
    ]
    sfn.stop_execution(executionArn=arn, error="Stopped", cause="by a test")
    result = describe_execution.handler({"executionArn": arn}, lambda_context)
    assert result["status"] == "ABORTED"
    assert "T" in result["stopDate"]
    assert set(result) <= {"executionArn", "status", "startDate", "stopDate", "error", "cause"}


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:states:us-east-1:123456789012:execution:someone-elses:run-1",
        "arn:aws:states:us-east-1:123456789012:execution:image-pipeline-other:run-1",
        "arn:aws:states:us-east-1:123456789012:execution:image-pipeline:",
        "arn:aws:states:us-east-1:123456789012:execution:image-pipeline:a:b",
        "arn:aws:states:us-east-1:123456789012:express:someone-elses:run-1:0a1b2c3d",
        "arn:aws:states:us-east-1:123456789012:express:image-pipeline-other:run-1:0a1b2c3d",
        None,
        "",
    ],
)
def test_describe_execution_refuses_other_state_machines(sfn, lambda_context, arn):
    with pytest.raises(ExecutionNotAllowed):
        describe_execution.handler({"executionArn": arn}, lambda_context)


def test_describe_execution_refuses_an_express_execution_of_this_state_machine(sfn, lambda_context):
    from image_pipeline.clients import client

    calls: list[str] = []
    client("stepfunctions").meta.events.register(
        "before-call.sfn.DescribeExecution", lambda **kwargs: calls.append("describe")
    )
    with pytest.raises(ExecutionNotDescribable) as info:
        describe_execution.handler({"executionArn": EXPRESS_ARN}, lambda_context)
    assert type(info.value).__name__ == "ExecutionNotDescribable"
    assert "processingStatus" in str(info.value)
    assert calls == []  # refused before asking AWS


# ---------------------------------------------------------------------------- logging


def test_logs_are_json_with_the_execution_as_correlation_id(table, lambda_context, monkeypatch):
    from image_pipeline.observability import logger

    stream = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", stream)
    seed(table)
    event = {"imageID": "photo.jpg", "executionArn": ARN, "error": "E", "cause": "c"}
    record_failure.handler(event, lambda_context)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [entry] = [line for line in lines if line["message"] == "Failure recorded"]
    assert entry["correlation_id"] == ARN
    assert entry["function_request_id"] == lambda_context.aws_request_id
    assert entry["level"] == "INFO"
    assert entry["error"] == "E"
