"""Image labels. ``detect_labels`` is the one seam where another labeller could plug in."""

from __future__ import annotations

from typing import Any

from image_pipeline.clients import client, error_code

# Rekognition reads S3 objects up to 15 MB, JPEG/PNG in RGB: for anything else (a 48 MP photo,
# a CMYK JPEG) it gets a reduced RGB rendition as bytes (<= 5 MB) instead.
_RENDITION_CODES = {"ImageTooLargeException", "InvalidImageFormatException"}
RENDITION_BOX = 1024


def _rendition(bucket: str, key: str) -> bytes:
    from image_pipeline.config import ImageLimits
    from image_pipeline.imaging import make_thumbnail

    data = client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return make_thumbnail(data, RENDITION_BOX, ImageLimits.from_env().max_image_pixels).data


def detect_labels(
    bucket: str, key: str, max_labels: int = 10, min_confidence: float = 60.0
) -> list[dict[str, Any]]:
    """``[{name, confidence}]``, most confident first, from Rekognition DetectLabels."""
    rekognition = client("rekognition")
    params = {"MaxLabels": max_labels, "MinConfidence": min_confidence}
    try:
        response = rekognition.detect_labels(
            Image={"S3Object": {"Bucket": bucket, "Name": key}}, **params
        )
    except Exception as exc:
        if error_code(exc) not in _RENDITION_CODES:
            raise
        response = rekognition.detect_labels(Image={"Bytes": _rendition(bucket, key)}, **params)
    labels = [
        {"name": label["Name"], "confidence": round(float(label.get("Confidence", 0.0)), 2)}
        for label in response.get("Labels", [])
        if label.get("Name")
    ]
    labels.sort(key=lambda label: label["confidence"], reverse=True)
    return labels
