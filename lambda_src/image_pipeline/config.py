"""Typed configuration, read from the environment when a function needs it (never at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_MAX_IMAGE_PIXELS = 89_478_485  # Pillow's default decompression-bomb limit
DEFAULT_MAX_OBJECT_BYTES = 50 * 1024 * 1024  # 50 MiB
DEFAULT_THUMBNAIL_SIZE = 250


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

    @classmethod
    def from_env(cls) -> StartConfig:
        return cls(
            table_name=_required("IMAGE_METADATA_TABLE"),
            state_machine_arn=_required("STATE_MACHINE_ARN"),
            incoming_prefix=os.environ.get("INCOMING_PREFIX") or "Incoming/",
            thumbnail_prefix=os.environ.get("THUMBNAIL_PREFIX") or "Thumbnails/",
        )


@dataclass(frozen=True)
class ImageLimits:
    """``MAX_IMAGE_PIXELS``: every function that decodes an image refuses more pixels than this
    (ImageTooLarge), and Pillow's own bomb limit follows it (see ``imaging``).
    ``MAX_OBJECT_BYTES``: every function that reads an uploaded object refuses a larger one
    (ImageTooLarge) from its size, before reading its content."""

    max_image_pixels: int
    max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES

    @classmethod
    def from_env(cls) -> ImageLimits:
        return cls(
            max_image_pixels=_int("MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS),
            max_object_bytes=_int("MAX_OBJECT_BYTES", DEFAULT_MAX_OBJECT_BYTES),
        )


@dataclass(frozen=True)
class LabelConfig:
    max_labels: int
    min_confidence: float
    max_image_pixels: int  # the rendition made for Rekognition decodes the image
    max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES  # ... and reads the whole object

    @classmethod
    def from_env(cls) -> LabelConfig:
        limits = ImageLimits.from_env()
        return cls(
            max_labels=_int("MAX_LABELS", 10),
            min_confidence=_float("MIN_CONFIDENCE", 60.0),
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


@dataclass(frozen=True)
class TableConfig:
    table_name: str

    @classmethod
    def from_env(cls) -> TableConfig:
        return cls(table_name=_required("IMAGE_METADATA_TABLE"))


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
