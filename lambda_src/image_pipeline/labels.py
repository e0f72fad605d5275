"""Image labels. ``detect_labels`` is the one seam where another labeller could plug in."""

from __future__ import annotations

from typing import Any

from image_pipeline.clients import client, error_code
from image_pipeline.config import DEFAULT_MAX_IMAGE_PIXELS
from image_pipeline.models import Label

# Rekognition reads S3 objects up to 15 MB, JPEG/PNG in RGB: for anything else (a 48 MP photo,
# a CMYK JPEG) it gets a reduced RGB rendition as bytes (<= 5 MB) instead.
_RENDITION_CODES = {"ImageTooLargeException", "InvalidImageFormatException"}
RENDITION_BOX = 1024


def _rendition(bucket: str, key: str, max_image_pixels: int) -> bytes:
    """The object decoded (within the pixel limit: ImageTooLarge) and reduced for Rekognition."""
    from image_pipeline.imaging import make_thumbnail  # Pillow only where it is needed

    data = client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return make_thumbnail(data, RENDITION_BOX, max_image_pixels).data


def detect_labels(
    bucket: str,
    key: str,
    *,
    max_labels: int = 10,
    min_confidence: float = 60.0,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
) -> list[Label]:
    """``[{name, confidence}]``, most confident first, from Rekognition DetectLabels.

    Rekognition reads the object itself; only when it refuses it is the image decoded here,
    refused with ImageTooLarge above ``max_image_pixels`` like every other decoding step.
    """
    rekognition = client("rekognition")
    params: dict[str, Any] = {"MaxLabels": max_labels, "MinConfidence": min_confidence}
    try:
        response = rekognition.detect_labels(
            Image={"S3Object": {"Bucket": bucket, "Name": key}}, **params
        )
    except Exception as exc:
        if error_code(exc) not in _RENDITION_CODES:
            raise
        rendition = _rendition(bucket, key, max_image_pixels)
        response = rekognition.detect_labels(Image={"Bytes": rendition}, **params)
    labels: list[Label] = [
        {"name": label["Name"], "confidence": round(float(label.get("Confidence", 0.0)), 2)}
        for label in response.get("Labels", [])
        if label.get("Name")
    ]
    labels.sort(key=lambda label: label["confidence"], reverse=True)
    return labels
