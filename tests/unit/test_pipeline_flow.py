"""Every handler chained the way statemachine.json.tftpl wires them (moto, in process).

Every object under Incoming/ must end SUCCEEDED or FAILED with an error name and cause.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
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
from .conftest import BUCKET, s3_event, s3_record


def lambda_error(exc: Exception) -> dict:
    """What a Catch puts into $.error for an exception raised by a Python Lambda."""
    cause = {"errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": []}
    return {"Error": type(exc).__name__, "Cause": json.dumps(cause)}


def run_state_machine(state: dict, execution_arn: str, ctx) -> str:
    try:
        state["extractedMetadata"] = extract_metadata.handler(
            {k: state[k] for k in ("s3Bucket", "s3Key", "imageID")}, ctx
        )
        if state["extractedMetadata"]["format"] not in ("JPEG", "PNG"):
            state["error"] = {"Error": "FileTypeNotSupported", "Cause": "Image type not supported!"}
        else:
            state["extractedMetadata"] = transform_metadata.handler(state["extractedMetadata"], ctx)
            state["parallelResults"] = [
                detect_labels.handler(
                    {"s3Bucket": state["s3Bucket"], "s3Key": state["s3Key"]}, ctx
                ),
                generate_thumbnail.handler(
                    {k: state[k] for k in ("s3Bucket", "s3Key", "imageID")}, ctx
                ),
            ]
            store_metadata.handler(
                {
                    "imageID": state["imageID"],
                    "executionArn": execution_arn,
                    "metadata": state["extractedMetadata"],
                    "tags": state["parallelResults"][0],
                    "thumbnail": state["parallelResults"][1],
                },
                ctx,
            )
            return "SUCCEEDED"
    except Exception as exc:
        state["error"] = lambda_error(exc)
    record_failure.handler(
        {
            "imageID": state["imageID"],
            "executionArn": execution_arn,
            "error": state["error"]["Error"],
            "cause": state["error"]["Cause"],
        },
        ctx,
    )
    return "FAILED"


def upload_and_run(stack, key: str, data: bytes, ctx) -> dict:
    stack["s3"].put_object(Bucket=BUCKET, Key=key, Body=data, Metadata={"userid": "u1"})
    [started] = start_execution.handler(s3_event(s3_record(key)), ctx)["started"]
    arn = started["executionArn"]
    state = json.loads(stack["sfn"].describe_execution(executionArn=arn)["input"])
    run_state_machine(state, arn, ctx)
    return stack["table"].get_item(Key={"imageID": started["imageID"]}, ConsistentRead=True)["Item"]


def test_real_photo_ends_succeeded_with_everything(stack, lambda_context):
    item = upload_and_run(
        stack, "Incoming/Stockholm 2014.jpg", images.fixture("has-lens-info.jpg"), lambda_context
    )
    assert item["processingStatus"] == "SUCCEEDED"
    assert item["imageFormat"] == "JPEG"
    assert item["dimensions"] == {"width": 102, "height": 205}
    assert item["fileSize"] == 22493
    assert (item["exifMake"], item["exifModel"]) == ("Apple", "iPhone 4S")
    assert item["creationTime"] == "2014-09-01T15:03:47"
    assert round(item["geo"]["latitude"], 4) == Decimal("59.3325")
    assert item["thumbnail"] == {"s3Bucket": BUCKET, "s3Key": "Thumbnails/Stockholm 2014.jpg"}
    assert item["tags"] and all("name" in tag for tag in item["tags"])
    assert item["userID"] == "u1" and "albumID" not in item
    assert "error" not in item
    thumb = stack["s3"].head_object(Bucket=BUCKET, Key="Thumbnails/Stockholm 2014.jpg")
    assert thumb["ContentType"] == "image/jpeg"


def test_png_without_exif_ends_succeeded(stack, lambda_context):
    from PIL import Image

    data = images.encode(Image.new("RGBA", (640, 320), (1, 2, 3, 128)), "PNG")
    item = upload_and_run(stack, "Incoming/alpha.png", data, lambda_context)
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
    item = upload_and_run(stack, "Incoming/bad.jpg", data, lambda_context)
    assert item["processingStatus"] == "FAILED"
    assert item["error"] == error
    assert item["cause"].startswith(cause_start)
    assert len(item["cause"]) <= 300
