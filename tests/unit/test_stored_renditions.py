"""GenerateThumbnail's renditions, hashes and placeholder in the stored form: events.renditions
converts the step's output, transform.check_renditions accepts only the stored form, and
store_metadata writes them with everything else (and removes an earlier run's)."""

from __future__ import annotations

import pytest
from image_pipeline import events
from image_pipeline.errors import InvalidInput
from image_pipeline.handlers import store_metadata
from image_pipeline.transform import check_renditions

from .conftest import BUCKET
from .test_handlers import STORE_EVENT, get, seed

HASH = "sha256:" + "ab" * 32
PHASH = "phash:0123456789abcdef"
BLURHASH = "LEHV6nWB2yk8pyo0adR*.7kCMdnj"


def step_output() -> dict:
    """generate_thumbnail's output, as the state machine passes it (``renditions``)."""
    rendition = {"s3Bucket": BUCKET, "format": "JPEG", "contentType": "image/jpeg"}
    return {
        "s3Bucket": BUCKET,
        "s3Key": "Thumbnails/o/thumbnail/p.jpg",
        "width": 250,
        "height": 125,
        "renditions": [
            {
                **rendition,
                "name": "thumbnail",
                "s3Key": "Thumbnails/o/thumbnail/p.jpg",
                "width": 250,
                "height": 125,
                "bytes": 9000,
            },
            {
                **rendition,
                "name": "preview",
                "s3Key": "Thumbnails/o/preview/p.jpg",
                "width": 1280,
                "height": 640,
                "bytes": 90000,
            },
        ],
        "contentHash": HASH,
        "perceptualHash": PHASH,
        "placeholder": BLURHASH,
        "transparent": False,
        "colourProfile": "Display P3",
    }


def test_step_output_in_the_stored_form():
    stored = events.renditions(step_output())
    assert stored == {
        "renditions": [
            {
                "name": "thumbnail",
                "s3Key": "Thumbnails/o/thumbnail/p.jpg",
                "width": 250,
                "height": 125,
                "bytes": 9000,
                "format": "JPEG",
            },
            {
                "name": "preview",
                "s3Key": "Thumbnails/o/preview/p.jpg",
                "width": 1280,
                "height": 640,
                "bytes": 90000,
                "format": "JPEG",
            },
        ],
        "placeholder": BLURHASH,
        "contentHash": HASH,
        "perceptualHash": PHASH,
    }
    assert check_renditions(stored) == stored  # the stored form is accepted as it is
    assert events.renditions(None) == {}
    optional = {
        k: v for k, v in step_output().items() if k not in ("perceptualHash", "placeholder")
    }
    assert set(events.renditions(optional)) == {"renditions", "contentHash"}


@pytest.mark.parametrize(
    "change",
    [
        {"contentHash": "md5:abc"},
        {"perceptualHash": "phash:XYZ"},
        {"placeholder": "not a blurhash!"},
        {"renditions": "Thumbnails/x"},
        {"renditions": [{"name": "t"}]},
    ],
)
def test_other_shapes_are_refused(change):
    with pytest.raises(InvalidInput):
        events.renditions({**step_output(), **change})


@pytest.mark.parametrize(
    "stored",
    [
        {"renditions": [], "thumbnail": {}},  # unknown key
        {
            "renditions": [
                {"name": "t", "s3Key": "k", "width": 0, "height": 1, "bytes": 1, "format": "JPEG"}
            ]
        },
        {
            "renditions": [
                {"name": "t", "s3Key": "k", "width": 1, "height": 1, "bytes": 1, "format": "HEIF"}
            ]
        },
        {
            "renditions": [
                {
                    "name": "t",
                    "s3Key": "k",
                    "width": 1,
                    "height": 1,
                    "bytes": 1,
                    "format": "JPEG",
                    "s3Bucket": "b",
                }
            ]
        },
        {
            "renditions": [
                {"name": "t", "s3Key": "k", "width": 1, "height": 1, "bytes": 1, "format": "JPEG"},
                {"name": "t", "s3Key": "l", "width": 1, "height": 1, "bytes": 1, "format": "JPEG"},
            ]
        },
    ],
)
def test_check_renditions_refuses_anything_but_the_stored_form(stored):
    with pytest.raises(InvalidInput):
        check_renditions(stored)


def test_store_metadata_records_renditions_and_hashes(table, lambda_context):
    seed(table)
    event = {k: v for k, v in STORE_EVENT.items() if k != "thumbnail"}
    store_metadata.handler({**event, "renditions": step_output()}, lambda_context)
    stored = get(table)
    assert stored["processingStatus"] == "SUCCEEDED"
    # The web app's thumbnail, as before: the thumbnail rendition's location.
    assert stored["thumbnail"] == {"s3Bucket": BUCKET, "s3Key": "Thumbnails/o/thumbnail/p.jpg"}
    assert [(r["name"], r["width"], r["bytes"]) for r in stored["renditions"]] == [
        ("thumbnail", 250, 9000),
        ("preview", 1280, 90000),
    ]
    assert (stored["contentHash"], stored["perceptualHash"], stored["placeholder"]) == (
        HASH,
        PHASH,
        BLURHASH,
    )
    assert "transparent" not in stored and "colourProfile" not in stored


def test_a_rerun_without_them_removes_an_earlier_runs(table, lambda_context):
    seed(table)
    event = {k: v for k, v in STORE_EVENT.items() if k != "thumbnail"}
    store_metadata.handler({**event, "renditions": step_output()}, lambda_context)
    # An older definition's input: the thumbnail only.
    store_metadata.handler(STORE_EVENT, lambda_context)
    stored = get(table)
    assert stored["thumbnail"] == {"s3Bucket": BUCKET, "s3Key": "Thumbnails/photo.jpg"}
    for key in ("renditions", "contentHash", "perceptualHash", "placeholder"):
        assert key not in stored


def test_store_metadata_refuses_renditions_of_another_shape(table, lambda_context):
    seed(table)
    with pytest.raises(InvalidInput):
        store_metadata.handler(
            {**STORE_EVENT, "renditions": {**step_output(), "contentHash": 42}}, lambda_context
        )
    assert get(table)["processingStatus"] == "RUNNING"
