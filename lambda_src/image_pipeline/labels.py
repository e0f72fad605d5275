"""Image labels and moderation labels. ``detect_labels`` is the one seam where another
labeller could plug in."""

from __future__ import annotations

from typing import Any

from image_pipeline.clients import client, error_code
from image_pipeline.config import DEFAULT_MAX_IMAGE_PIXELS, DEFAULT_MAX_OBJECT_BYTES
from image_pipeline.models import Label, ModerationLabel, S3Location
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


def _ask_rekognition(
    operation: str,
    params: dict[str, Any],
    image: S3Location,
    *,
    max_image_pixels: int,
    max_object_bytes: int,
    rendition: bool,
    source_format: str | None,
) -> dict[str, Any]:
    """Rekognition's answer to ``operation`` (``detect_labels``, ``detect_moderation_labels``)
    about ``image``: of the object itself, or of a rendition when Rekognition cannot read it
    (``rendition``, a ``source_format`` other than JPEG or PNG, or a refusal here)."""
    if source_format is not None and source_format not in _REKOGNITION_FORMATS:
        rendition = True
    ask = getattr(client("rekognition"), operation)
    if not rendition:
        s3_object = {"Bucket": image.bucket, "Name": image.key}
        if image.version_id:
            s3_object["Version"] = image.version_id
        try:
            return dict(ask(Image={"S3Object": s3_object}, **params))
        except Exception as exc:
            if error_code(exc) not in _RENDITION_CODES:
                raise
    reduced = _rendition(image, max_image_pixels, max_object_bytes)
    return dict(ask(Image={"Bytes": reduced}, **params))


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
    response = _ask_rekognition(
        "detect_labels",
        {"MaxLabels": max_labels, "MinConfidence": min_confidence},
        S3Location(bucket, key, version_id),
        max_image_pixels=max_image_pixels,
        max_object_bytes=max_object_bytes,
        rendition=rendition,
        source_format=source_format,
    )
    labels: list[Label] = [
        {"name": label["Name"], "confidence": round(float(label.get("Confidence", 0.0)), 2)}
        for label in response.get("Labels", [])
        if label.get("Name")
    ]
    labels.sort(key=lambda label: label["confidence"], reverse=True)
    return labels


def detect_moderation_labels(
    bucket: str,
    key: str,
    *,
    version_id: str | None = None,
    min_confidence: float = 50.0,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES,
    rendition: bool = False,
    source_format: str | None = None,
) -> list[ModerationLabel]:
    """``[{name, confidence, parentName?}]``, most confident first, from Rekognition
    DetectModerationLabels (an empty list: nothing flagged), read as ``detect_labels`` reads."""
    response = _ask_rekognition(
        "detect_moderation_labels",
        {"MinConfidence": min_confidence},
        S3Location(bucket, key, version_id),
        max_image_pixels=max_image_pixels,
        max_object_bytes=max_object_bytes,
        rendition=rendition,
        source_format=source_format,
    )
    return moderation_labels(response.get("ModerationLabels"))


def moderation_labels(value: object) -> list[ModerationLabel]:
    """Rekognition's ``ModerationLabels`` (``{Name, Confidence, ParentName, ...}``) or ours
    (``{name, confidence, parentName}``) in the stored form, most confident first; anything
    without a name or a numeric confidence is dropped."""
    parsed: list[ModerationLabel] = []
    for label in value if isinstance(value, list | tuple) else []:
        if not isinstance(label, dict):
            continue
        name = label.get("name", label.get("Name"))
        confidence = label.get("confidence", label.get("Confidence"))
        parent = label.get("parentName", label.get("ParentName"))
        if not isinstance(name, str) or not name.strip():
            continue
        if not isinstance(confidence, int | float) or isinstance(confidence, bool):
            continue
        entry: ModerationLabel = {"name": name, "confidence": round(float(confidence), 2)}
        if isinstance(parent, str) and parent.strip():
            entry["parentName"] = parent
        parsed.append(entry)
    parsed.sort(key=lambda entry: entry["confidence"], reverse=True)
    return parsed
