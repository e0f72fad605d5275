"""The optional moderation branch's code: DetectModerationLabels read as DetectLabels is (the
object, or a rendition for other formats and refusals), its answer in the stored form, and
store_metadata keeping it only on a flagged photo."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError
from image_pipeline import labels
from image_pipeline.handlers import detect_labels, store_metadata
from PIL import Image

from . import images
from .conftest import BUCKET
from .test_handlers import STORE_EVENT, get, put, seed

EXPLICIT = [
    {"Name": "Explicit Nudity", "ParentName": "", "Confidence": 91.234, "TaxonomyLevel": 1},
    {"Name": "Nudity", "ParentName": "Explicit Nudity", "Confidence": 97.5, "TaxonomyLevel": 2},
]


class Moderator:
    """Rekognition's DetectModerationLabels: refuses an S3 object it cannot read (a HEIF,
    say), answers ``EXPLICIT`` about bytes."""

    def __init__(self, refuse: str | None = None) -> None:
        self.calls: list[dict] = []
        self.refuse = refuse

    def detect_moderation_labels(self, **kwargs):
        self.calls.append(kwargs)
        if self.refuse and "S3Object" in kwargs["Image"]:
            error = {"Error": {"Code": self.refuse, "Message": "refused"}}
            raise ClientError(error, "DetectModerationLabels")
        return {"ModerationLabels": EXPLICIT, "ModerationModelVersion": "7.0"}


@pytest.fixture
def moderator(monkeypatch):
    def install(refuse: str | None = None) -> Moderator:
        fake = Moderator(refuse)
        real_client = labels.client
        monkeypatch.setattr(
            labels, "client", lambda name: fake if name == "rekognition" else real_client(name)
        )
        return fake

    return install


def test_moderation_labels_in_the_stored_form():
    assert labels.moderation_labels(EXPLICIT) == [
        {"name": "Nudity", "confidence": 97.5, "parentName": "Explicit Nudity"},
        {"name": "Explicit Nudity", "confidence": 91.23},
    ]
    ours = [{"name": "Violence", "confidence": 60, "parentName": "Graphic"}]
    assert labels.moderation_labels(ours) == [
        {"name": "Violence", "confidence": 60.0, "parentName": "Graphic"}
    ]
    unusable = [{"Name": "", "Confidence": 90}, {"Name": "x"}, {"Confidence": 9}, "Nudity", None]
    assert labels.moderation_labels(unusable) == []
    assert labels.moderation_labels(None) == labels.moderation_labels({"a": 1}) == []


def test_handler_with_moderation_asks_for_moderation_labels(
    s3, lambda_context, moderator, monkeypatch
):
    monkeypatch.setenv("MODERATION_MIN_CONFIDENCE", "70")
    fake = moderator()
    event = put(s3, "Incoming/x.jpg", images.jpeg())
    answer = detect_labels.handler(
        {"s3Bucket": BUCKET, "s3Key": event["s3Key"], "moderation": True}, lambda_context
    )
    assert answer == labels.moderation_labels(EXPLICIT)
    assert fake.calls == [
        {"Image": {"S3Object": {"Bucket": BUCKET, "Name": "Incoming/x.jpg"}}, "MinConfidence": 70.0}
    ]


@pytest.mark.parametrize("refusal", ["ImageTooLargeException", "InvalidImageFormatException"])
def test_a_refused_object_is_moderated_as_a_rendition(s3, lambda_context, moderator, refusal):
    fake = moderator(refuse=refusal)
    event = put(s3, "Incoming/wide.jpg", images.jpeg(size=(2048, 1024)))
    answer = labels.detect_moderation_labels(BUCKET, event["s3Key"])
    assert answer == labels.moderation_labels(EXPLICIT)
    assert [("S3Object" in call["Image"]) for call in fake.calls] == [True, False]
    rendition = Image.open(io.BytesIO(fake.calls[1]["Image"]["Bytes"]))
    assert (rendition.format, rendition.size) == ("JPEG", (1024, 512))
    assert fake.calls[1]["MinConfidence"] == 50.0  # Rekognition's own default


def test_a_format_rekognition_cannot_read_goes_straight_to_a_rendition(s3, moderator):
    fake = moderator()
    event = put(s3, "Incoming/x.webp", images.jpeg())
    labels.detect_moderation_labels(BUCKET, event["s3Key"], source_format="WEBP")
    assert ["Bytes" in call["Image"] for call in fake.calls] == [True]


def test_other_errors_are_not_swallowed(moderator):
    moderator(refuse="ThrottlingException")
    with pytest.raises(ClientError, match="ThrottlingException"):
        labels.detect_moderation_labels("b", "k")


def test_store_keeps_moderation_labels_of_a_flagged_photo_only(table, lambda_context):
    seed(table)
    event = {**STORE_EVENT, "moderationLabels": EXPLICIT}
    store_metadata.handler(event, lambda_context)
    assert get(table)["moderationLabels"] == [
        {"name": "Nudity", "confidence": Decimal("97.5"), "parentName": "Explicit Nudity"},
        {"name": "Explicit Nudity", "confidence": Decimal("91.23")},
    ]
    # Run again with nothing flagged (or without the branch): the earlier labels go.
    seed(table)
    store_metadata.handler({**STORE_EVENT, "moderationLabels": []}, lambda_context)
    assert "moderationLabels" not in get(table)
    seed(table)
    store_metadata.handler(event, lambda_context)
    assert get(table)["moderationLabels"]
    seed(table)
    store_metadata.handler(STORE_EVENT, lambda_context)
    assert "moderationLabels" not in get(table)
