"""Typed configuration, read from the environment when a function needs it (never at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_MAX_IMAGE_PIXELS = 89_478_485  # Pillow's default decompression-bomb limit
DEFAULT_MAX_OBJECT_BYTES = 50 * 1024 * 1024  # 50 MiB
DEFAULT_THUMBNAIL_SIZE = 250
# Every format the library reads (imaging.ALL_FORMATS, kept here so config needs no Pillow).
LIBRARY_FORMATS = frozenset({"JPEG", "PNG", "HEIF", "AVIF", "WEBP", "GIF"})
# What a deployment accepts unless IMAGE_FORMATS says otherwise: the formats the state
# machine's ImageTypeCheck lets through today. Widen both together (a formats variable).
DEFAULT_ACCEPTED_FORMATS = frozenset({"JPEG", "PNG"})
DEFAULT_RENDITIONS = "thumbnail:250,preview:1280"
RENDITION_FORMATS = ("auto", "webp")  # renditions.AUTO, renditions.WEBP


class ConfigError(RuntimeError):
    """A required environment variable is missing or malformed."""


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"environment variable {name} is not set")
    return value


def _int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not an integer") from exc
    if value < minimum:
        raise ConfigError(f"{name}={value} is below {minimum}")
    return value


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a number") from exc


@dataclass(frozen=True)
class StartConfig:
    table_name: str
    state_machine_arn: str
    incoming_prefix: str
    # Where the photo's renditions live: removed with the photo.
    thumbnail_prefix: str = "Thumbnails/"
    # How long one delivery alone may start an upload's execution: at most the invocation's
    # remaining time, after which a redelivery may (records.claim_start).
    start_lease_ms: int = 60_000

    @classmethod
    def from_env(cls, start_lease_ms: int = 60_000) -> StartConfig:
        return cls(
            table_name=_required("IMAGE_METADATA_TABLE"),
            state_machine_arn=_required("STATE_MACHINE_ARN"),
            incoming_prefix=os.environ.get("INCOMING_PREFIX") or "Incoming/",
            thumbnail_prefix=os.environ.get("THUMBNAIL_PREFIX") or "Thumbnails/",
            start_lease_ms=start_lease_ms,
        )


def _formats(name: str) -> frozenset[str]:
    """``IMAGE_FORMATS``: a comma-separated subset of LIBRARY_FORMATS (``JPEG,PNG`` unset)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return DEFAULT_ACCEPTED_FORMATS
    formats = frozenset(part.strip().upper() for part in raw.split(",") if part.strip())
    unknown = sorted(formats - LIBRARY_FORMATS)
    if unknown or not formats:
        raise ConfigError(
            f"{name}={raw!r}: each must be one of {', '.join(sorted(LIBRARY_FORMATS))}"
        )
    return formats


@dataclass(frozen=True)
class ImageLimits:
    """``MAX_IMAGE_PIXELS``: every function that decodes an image refuses more pixels than this
    (ImageTooLarge), and Pillow's own bomb limit follows it (see ``imaging``).
    ``MAX_OBJECT_BYTES``: every function that reads an uploaded object refuses a larger one
    (ImageTooLarge) from its size, before reading its content.
    ``IMAGE_FORMATS``: the formats extract_metadata accepts (FileTypeNotSupported otherwise),
    ``JPEG,PNG`` unless set: the state machine's ImageTypeCheck must list the same."""

    max_image_pixels: int
    max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES
    formats: frozenset[str] = DEFAULT_ACCEPTED_FORMATS

    @classmethod
    def from_env(cls) -> ImageLimits:
        return cls(
            max_image_pixels=_int("MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS),
            max_object_bytes=_int("MAX_OBJECT_BYTES", DEFAULT_MAX_OBJECT_BYTES),
            formats=_formats("IMAGE_FORMATS"),
        )


@dataclass(frozen=True)
class LabelConfig:
    max_labels: int
    min_confidence: float
    max_image_pixels: int  # the rendition made for Rekognition decodes the image
    max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES  # ... and reads the whole object
    moderation_min_confidence: float = 50.0  # DetectModerationLabels' own default

    @classmethod
    def from_env(cls) -> LabelConfig:
        limits = ImageLimits.from_env()
        return cls(
            max_labels=_int("MAX_LABELS", 10),
            min_confidence=_float("MIN_CONFIDENCE", 60.0),
            moderation_min_confidence=_float("MODERATION_MIN_CONFIDENCE", 50.0),
            max_image_pixels=limits.max_image_pixels,
            max_object_bytes=limits.max_object_bytes,
        )


@dataclass(frozen=True)
class ThumbnailConfig:
    size: int
    prefix: str
    max_image_pixels: int
    max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES

    @classmethod
    def from_env(cls) -> ThumbnailConfig:
        limits = ImageLimits.from_env()
        return cls(
            size=_int("THUMBNAIL_SIZE", DEFAULT_THUMBNAIL_SIZE),
            prefix=os.environ.get("THUMBNAIL_PREFIX") or "Thumbnails/",
            max_image_pixels=limits.max_image_pixels,
            max_object_bytes=limits.max_object_bytes,
        )


def _default_renditions() -> str:
    """``thumbnail:<THUMBNAIL_SIZE>,preview:1280`` (the thumbnail's size as before renditions)."""
    size = _int("THUMBNAIL_SIZE", DEFAULT_THUMBNAIL_SIZE)
    return DEFAULT_RENDITIONS.replace(f"thumbnail:{DEFAULT_THUMBNAIL_SIZE}", f"thumbnail:{size}")


@dataclass(frozen=True)
class RenditionConfig:
    """The renditions of a photo (generate_thumbnail; see renditions.py).

    ``RENDITIONS`` (``thumbnail:<THUMBNAIL_SIZE, 250>,preview:1280``): name:box pairs;
    ``RENDITION_FORMAT`` (``auto``: JPEG, PNG when transparent; or ``webp``);
    ``IMAGE_FORMATS``: the formats accepted (as ImageLimits);
    ``THUMBNAIL_PREFIX``, ``MAX_IMAGE_PIXELS``, ``MAX_OBJECT_BYTES`` as for the thumbnail.
    """

    renditions: str = DEFAULT_RENDITIONS
    policy: str = "auto"
    prefix: str = "Thumbnails/"
    formats: frozenset[str] = DEFAULT_ACCEPTED_FORMATS
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS
    max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES

    @classmethod
    def from_env(cls) -> RenditionConfig:
        limits = ImageLimits.from_env()
        policy = (os.environ.get("RENDITION_FORMAT") or "auto").strip().lower()
        if policy not in RENDITION_FORMATS:
            raise ConfigError(f"RENDITION_FORMAT={policy!r} is not one of {RENDITION_FORMATS}")
        return cls(
            renditions=os.environ.get("RENDITIONS", "").strip() or _default_renditions(),
            policy=policy,
            prefix=os.environ.get("THUMBNAIL_PREFIX") or "Thumbnails/",
            formats=limits.formats,
            max_image_pixels=limits.max_image_pixels,
            max_object_bytes=limits.max_object_bytes,
        )


@dataclass(frozen=True)
class TableConfig:
    table_name: str

    @classmethod
    def from_env(cls) -> TableConfig:
        return cls(table_name=_required("IMAGE_METADATA_TABLE"))


@dataclass(frozen=True)
class StoreConfig:
    """store_metadata's: the table, and where it looks for the owner's duplicates
    (``HASH_INDEX``, the index on userID and contentHash; unset: it does not look)."""

    table_name: str
    hash_index: str | None = None
    duplicate_max_distance: int = 6  # duplicates.DEFAULT_MAX_DISTANCE

    @classmethod
    def from_env(cls) -> StoreConfig:
        distance = _int("DUPLICATE_MAX_DISTANCE", 6, minimum=0)
        if distance > 64:
            raise ConfigError(f"DUPLICATE_MAX_DISTANCE={distance} is not within 0-64 bits")
        return cls(
            table_name=_required("IMAGE_METADATA_TABLE"),
            hash_index=os.environ.get("HASH_INDEX", "").strip() or None,
            duplicate_max_distance=distance,
        )


@dataclass(frozen=True)
class TerminalConfig:
    table_name: str
    state_machine_arn: str
    execution_index: str = "executionName-index"

    @classmethod
    def from_env(cls) -> TerminalConfig:
        return cls(
            table_name=_required("IMAGE_METADATA_TABLE"),
            state_machine_arn=_required("STATE_MACHINE_ARN"),
            execution_index=os.environ.get("EXECUTION_INDEX") or cls.execution_index,
        )


@dataclass(frozen=True)
class DescribeConfig:
    state_machine_arn: str

    @classmethod
    def from_env(cls) -> DescribeConfig:
        return cls(state_machine_arn=_required("STATE_MACHINE_ARN"))


@dataclass(frozen=True)
class RunConfig:
    """Reprocess and backfill: the bucket, the table, the per-image state machine, the prefix."""

    bucket_name: str
    table_name: str
    state_machine_arn: str
    incoming_prefix: str

    @classmethod
    def from_env(cls) -> RunConfig:
        return cls(
            bucket_name=_required("BUCKET_NAME"),
            table_name=_required("IMAGE_METADATA_TABLE"),
            state_machine_arn=_required("STATE_MACHINE_ARN"),
            incoming_prefix=os.environ.get("INCOMING_PREFIX") or "Incoming/",
        )
