"""Image labels. ``detect_labels`` is the one seam where another labeller could plug in."""

from __future__ import annotations

from typing import Any

from image_pipeline.clients import client, error_code
from image_pipeline.config import DEFAULT_MAX_IMAGE_PIXELS, DEFAULT_MAX_OBJECT_BYTES
from image_pipeline.models import Label, S3Location
from image_pipeline.sources import read_object

# Rekognition reads S3 objects up to 15 MB, JPEG/PNG in RGB: for anything else (a 48 MP photo,
# a CMYK JPEG) it gets a reduced RGB rendition as bytes (<= 5 MB) instead.
_RENDITION_CODES = {"ImageTooLargeException", "InvalidImageFormatException"}
RENDITION_BOX = 1024
# imaging.REKOGNITION_FORMATS, repeated so this module imports no Pillow.
_REKOGNITION_FORMATS = frozenset({"JPEG", "PNG"})


def _rendition(image: S3Location, max_image_pixels: int, max_object_bytes: int) -> bytes:
    """The object read (within the size limit) and decoded (within the pixel limit), both
    refused with ImageTooLarge, then reduced for Rekognition."""
    from image_pipeline.imaging import make_thumbnail  # Pillow only where it is needed

    data = read_object(image, max_object_bytes)
    return make_thumbnail(data, RENDITION_BOX, max_image_pixels).data


def detect_labels(
    bucket: str,
    key: str,
    *,
    version_id: str | None = None,
    max_labels: int = 10,
    min_confidence: float = 60.0,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES,
    rendition: bool = False,
    source_format: str | None = None,
) -> list[Label]:
    """``[{name, confidence}]``, most confident first, from Rekognition DetectLabels.

    Rekognition reads the object itself (``version_id`` when given, the version the pipeline
    checked); only when it refuses it (or with ``rendition``: the state machine's direct call
    was refused already) is the image read and decoded here, refused with ImageTooLarge above
    ``max_object_bytes`` or ``max_image_pixels`` like every other step. Rekognition reads
    JPEG and PNG only: a ``source_format`` (extract_metadata's ``format``) of anything else
    (HEIF, AVIF, WEBP, GIF) goes straight to the rendition, a JPEG (a PNG if transparent).
    """
    if source_format is not None and source_format not in _REKOGNITION_FORMATS:
        rendition = True
    image = S3Location(bucket, key, version_id)
    rekognition = client("rekognition")
    params: dict[str, Any] = {"MaxLabels": max_labels, "MinConfidence": min_confidence}
    s3_object = {"Bucket": bucket, "Name": key}
    if version_id:
        s3_object["Version"] = version_id
    response: dict[str, Any] = {}
    if not rendition:
        try:
            response = rekognition.detect_labels(Image={"S3Object": s3_object}, **params)
        except Exception as exc:
            if error_code(exc) not in _RENDITION_CODES:
                raise
            rendition = True
    if rendition:
        reduced = _rendition(image, max_image_pixels, max_object_bytes)
        response = rekognition.detect_labels(Image={"Bytes": reduced}, **params)
    labels: list[Label] = [
        {"name": label["Name"], "confidence": round(float(label.get("Confidence", 0.0)), 2)}
        for label in response.get("Labels", [])
        if label.get("Name")
    ]
    labels.sort(key=lambda label: label["confidence"], reverse=True)
    return labels
