"""Every handler chained the way statemachine.json.tftpl wires them (moto, in process).

Every object under Incoming/ must end SUCCEEDED or FAILED with an error name and cause.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from image_pipeline.config import ImageLimits
from image_pipeline.executions import name_of
from image_pipeline.handlers import (
    detect_labels,
    extract_metadata,
    generate_thumbnail,
    record_failure,
    start_execution,
    store_metadata,
    transform_metadata,
)

from . import images
from .conftest import BUCKET, OWNER, s3_event, s3_record

STOCKHOLM = f"Incoming/{OWNER}/Trips/Stockholm 2014.jpg"
THUMBNAIL = f"Thumbnails/{OWNER}/thumbnail/Trips/Stockholm 2014.jpg"
PREVIEW = f"Thumbnails/{OWNER}/preview/Trips/Stockholm 2014.jpg"
REKOGNITION_READS = ("JPEG", "PNG")  # LabelSource: any other format goes to the rendition


def lambda_error(exc: Exception) -> dict:
    """What a Catch puts into $.error for an exception raised by a Python Lambda."""
    cause = {"errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": []}
    return {"Error": type(exc).__name__, "Cause": json.dumps(cause)}


def run_state_machine(state: dict, execution_arn: str, ctx) -> str:
    read = ("s3Bucket", "s3Key", "s3VersionId")
    try:
        state["extractedMetadata"] = extract_metadata.handler(
            {k: state[k] for k in (*read, "imageID")}, ctx
        )
        # ImageTypeCheck lists image_settings.formats, the functions' IMAGE_FORMATS.
        if state["extractedMetadata"]["format"] not in ImageLimits.from_env().formats:
            state["error"] = {"Error": "FileTypeNotSupported", "Cause": "Image type not supported!"}
        else:
            state["extractedMetadata"] = transform_metadata.handler(state["extractedMetadata"], ctx)
            labels = {k: state[k] for k in read}
            if state["extractedMetadata"]["imageFormat"] not in REKOGNITION_READS:
                labels["rendition"] = True  # DetectLabelsOfRendition
            state["parallelResults"] = [
                detect_labels.handler(labels, ctx),
                generate_thumbnail.handler({k: state[k] for k in (*read, "imageID")}, ctx),
            ]
            store_metadata.handler(
                {
                    "imageID": state["imageID"],
                    "executionName": name_of(execution_arn),  # $$.Execution.Name
                    "executionArn": execution_arn,  # $$.Execution.Id
                    "metadata": state["extractedMetadata"],
                    "tags": state["parallelResults"][0],
                    "renditions": state["parallelResults"][1],
                },
                ctx,
            )
            return "SUCCEEDED"
    except Exception as exc:
        state["error"] = lambda_error(exc)
    record_failure.handler(
        {
            "imageID": state["imageID"],
            "executionName": name_of(execution_arn),
            "executionArn": execution_arn,
            "error": state["error"]["Error"],
            "cause": state["error"]["Cause"],
        },
        ctx,
    )
    return "FAILED"


def start(stack, key: str, data: bytes, ctx) -> tuple[str, dict]:
    """Upload and let start_execution start it: the execution ARN and its input."""
    put = stack["s3"].put_object(Bucket=BUCKET, Key=key, Body=data, Metadata={"userid": OWNER})
    record = s3_record(key, version_id=put.get("VersionId"))
    [started] = start_execution.handler(s3_event(record), ctx)["started"]
    arn = started["executionArn"]
    return arn, json.loads(stack["sfn"].describe_execution(executionArn=arn)["input"])


def stored_item(stack, image_id: str) -> dict:
    return stack["table"].get_item(Key={"imageID": image_id}, ConsistentRead=True)["Item"]


def upload_and_run(stack, key: str, data: bytes, ctx) -> dict:
    arn, state = start(stack, key, data, ctx)
    run_state_machine(state, arn, ctx)
    item = stored_item(stack, state["imageID"])
    assert (item["executionName"], item["executionArn"]) == (name_of(arn), arn)
    return item


def test_real_photo_ends_succeeded_with_everything(stack, lambda_context):
    item = upload_and_run(stack, STOCKHOLM, images.fixture("has-lens-info.jpg"), lambda_context)
    assert item["processingStatus"] == "SUCCEEDED"
    assert item["imageFormat"] == "JPEG"
    assert item["dimensions"] == {"width": 102, "height": 205}
    assert item["fileSize"] == 22493
    assert (item["exifMake"], item["exifModel"]) == ("Apple", "iPhone 4S")
    assert item["creationTime"] == "2014-09-01T15:03:47"
    assert round(item["geo"]["latitude"], 4) == Decimal("59.3325")
    assert item["thumbnail"] == {"s3Bucket": BUCKET, "s3Key": THUMBNAIL}
    assert item["tags"] and all("name" in tag for tag in item["tags"])
    assert (item["userID"], item["albumID"]) == (OWNER, f"{OWNER}/Trips")
    assert "error" not in item
    thumb = stack["s3"].head_object(Bucket=BUCKET, Key=THUMBNAIL)
    assert thumb["ContentType"] == "image/jpeg"
    # Every rendition, where it is and what it is; the hashes and the placeholder.
    assert [
        (r["name"], r["s3Key"], r["format"], r["width"], r["height"]) for r in item["renditions"]
    ] == [
        ("thumbnail", THUMBNAIL, "JPEG", 102, 205),  # never enlarged
        ("preview", PREVIEW, "JPEG", 102, 205),
    ]
    for rendition in item["renditions"]:
        assert set(rendition) == {"name", "s3Key", "width", "height", "bytes", "format"}
        head = stack["s3"].head_object(Bucket=BUCKET, Key=rendition["s3Key"])
        assert head["ContentLength"] == rendition["bytes"]
    assert item["contentHash"].startswith("sha256:") and len(item["contentHash"]) == 71
    assert item["perceptualHash"].startswith("phash:") and item["placeholder"]


def test_heic_ends_succeeded_with_labels_of_a_rendition(stack, lambda_context, monkeypatch):
    """Every format accepted (the module's default): a HEIC's labels come from a rendition,
    its renditions are JPEGs."""
    monkeypatch.setenv("IMAGE_FORMATS", "JPEG,PNG,HEIF,AVIF,WEBP,GIF")
    key = f"Incoming/{OWNER}/Trips/phone.heic"
    item = upload_and_run(stack, key, images.fixture("L_exif_xmp_iptc.heic"), lambda_context)
    assert item["processingStatus"] == "SUCCEEDED", item.get("cause")
    assert item["imageFormat"] == "HEIF"
    assert item["tags"]
    assert [(r["name"], r["format"]) for r in item["renditions"]] == [
        ("thumbnail", "JPEG"),
        ("preview", "JPEG"),
    ]
    assert item["thumbnail"]["s3Key"] == f"Thumbnails/{OWNER}/thumbnail/Trips/phone.heic"


def test_heic_refused_unless_accepted(stack, lambda_context):
    key = f"Incoming/{OWNER}/Trips/phone.heic"
    item = upload_and_run(stack, key, images.fixture("L_exif_xmp_iptc.heic"), lambda_context)
    assert (item["processingStatus"], item["error"]) == ("FAILED", "FileTypeNotSupported")


def test_png_without_exif_ends_succeeded(stack, lambda_context):
    from PIL import Image

    data = images.encode(Image.new("RGBA", (640, 320), (1, 2, 3, 128)), "PNG")
    item = upload_and_run(stack, f"Incoming/{OWNER}/alpha.png", data, lambda_context)
    assert item["processingStatus"] == "SUCCEEDED"
    assert item["imageFormat"] == "PNG"
    assert not {"exifMake", "exifModel", "creationTime", "geo"} & item.keys()


@pytest.mark.parametrize(
    ("data", "error", "cause_start"),
    [
        (b"hello", "ImageIdentifyError", "The file is not a recognised image"),
        (b"", "ImageIdentifyError", "The file is empty"),
        (images.gif(), "FileTypeNotSupported", "GIF images are not supported"),
        (images.png_bomb(), "ImageTooLarge", "The image exceeds the limit"),
        (images.noisy_jpeg((300, 200))[:9000], "ImageDecodeError", "The image data is corrupt"),
    ],
    ids=["text", "empty", "gif", "bomb", "truncated"],
)
def test_bad_files_end_failed_with_name_and_cause(stack, lambda_context, data, error, cause_start):
    item = upload_and_run(stack, f"Incoming/{OWNER}/bad.jpg", data, lambda_context)
    assert item["processingStatus"] == "FAILED"
    assert item["error"] == error
    assert item["cause"].startswith(cause_start)
    assert len(item["cause"]) <= 300


def test_an_object_over_the_size_limit_ends_failed_unread(stack, lambda_context, monkeypatch):
    monkeypatch.setenv("MAX_OBJECT_BYTES", "22492")  # the photo is 22493 bytes
    item = upload_and_run(stack, STOCKHOLM, images.fixture("has-lens-info.jpg"), lambda_context)
    assert item["processingStatus"] == "FAILED"
    assert item["error"] == "ImageTooLarge"
    assert item["cause"] == "The object is 22493 bytes, over the limit of 22492 bytes"
    assert "thumbnail" not in item and "imageFormat" not in item


def test_at_the_size_limit_is_allowed(stack, lambda_context, monkeypatch):
    monkeypatch.setenv("MAX_OBJECT_BYTES", "22493")
    item = upload_and_run(stack, STOCKHOLM, images.fixture("has-lens-info.jpg"), lambda_context)
    assert item["processingStatus"] == "SUCCEEDED"


def test_an_object_swapped_mid_run_cannot_slip_past_the_checks(
    versioned, table, sfn, lambda_context
):
    """Every step reads the version start_execution saw: a bomb (or anything) put under the
    same key after the upload was checked is never what the thumbnail or the labels see."""
    stack = {"s3": versioned, "table": table, "sfn": sfn}
    photo = images.fixture("has-lens-info.jpg")
    arn, state = start(stack, STOCKHOLM, photo, lambda_context)
    assert state["s3VersionId"]
    versioned.put_object(Bucket=BUCKET, Key=STOCKHOLM, Body=images.png_bomb())  # the swap
    assert run_state_machine(state, arn, lambda_context) == "SUCCEEDED"
    item = stored_item(stack, state["imageID"])
    assert (item["imageFormat"], item["fileSize"]) == ("JPEG", len(photo))
    assert item["dimensions"] == {"width": 102, "height": 205}
    thumb = versioned.get_object(Bucket=BUCKET, Key=THUMBNAIL)
    assert thumb["ContentType"] == "image/jpeg"


def test_a_deleted_version_fails_the_run_rather_than_reading_another(
    versioned, table, sfn, lambda_context
):
    stack = {"s3": versioned, "table": table, "sfn": sfn}
    arn, state = start(stack, STOCKHOLM, images.fixture("has-lens-info.jpg"), lambda_context)
    versioned.put_object(Bucket=BUCKET, Key=STOCKHOLM, Body=images.jpeg((40, 30)))
    versioned.delete_object(Bucket=BUCKET, Key=STOCKHOLM, VersionId=state["s3VersionId"])
    assert run_state_machine(state, arn, lambda_context) == "FAILED"
    item = stored_item(stack, state["imageID"])
    assert (item["processingStatus"], item["error"]) == ("FAILED", "ClientError")
    assert "NoSuchVersion" in item["cause"]
