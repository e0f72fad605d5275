"""Configuration is typed, read when needed, and fails clearly."""

from __future__ import annotations

import pytest
from image_pipeline import observability
from image_pipeline.config import (
    ConfigError,
    ImageLimits,
    LabelConfig,
    StartConfig,
    StoreConfig,
    TableConfig,
    ThumbnailConfig,
)


def test_defaults(monkeypatch):
    for name in ("MAX_IMAGE_PIXELS", "THUMBNAIL_SIZE", "THUMBNAIL_PREFIX", "MAX_LABELS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("MIN_CONFIDENCE", raising=False)
    monkeypatch.delenv("MAX_OBJECT_BYTES", raising=False)
    assert ImageLimits.from_env() == ImageLimits(89_478_485, 52_428_800)
    assert ThumbnailConfig.from_env() == ThumbnailConfig(250, "Thumbnails/", 89_478_485, 52_428_800)
    assert LabelConfig.from_env() == LabelConfig(10, 60.0, 89_478_485, 52_428_800)


def test_store_config(monkeypatch):
    monkeypatch.setenv("IMAGE_METADATA_TABLE", "t")
    for name in ("HASH_INDEX", "DUPLICATE_MAX_DISTANCE"):
        monkeypatch.delenv(name, raising=False)
    assert StoreConfig.from_env() == StoreConfig("t", None, 6)  # no index: no duplicate lookup
    monkeypatch.setenv("HASH_INDEX", "userID-contentHash-index")
    monkeypatch.setenv("DUPLICATE_MAX_DISTANCE", "0")
    assert StoreConfig.from_env() == StoreConfig("t", "userID-contentHash-index", 0)
    monkeypatch.setenv("DUPLICATE_MAX_DISTANCE", "65")
    with pytest.raises(ConfigError, match="DUPLICATE_MAX_DISTANCE"):
        StoreConfig.from_env()


def test_moderation_confidence(monkeypatch):
    monkeypatch.delenv("MODERATION_MIN_CONFIDENCE", raising=False)
    assert LabelConfig.from_env().moderation_min_confidence == 50.0
    monkeypatch.setenv("MODERATION_MIN_CONFIDENCE", "75.5")
    assert LabelConfig.from_env().moderation_min_confidence == 75.5


def test_every_reading_function_reads_the_same_size_limit(monkeypatch):
    monkeypatch.setenv("MAX_OBJECT_BYTES", "1048576")
    assert ImageLimits.from_env().max_object_bytes == 1_048_576
    assert ThumbnailConfig.from_env().max_object_bytes == 1_048_576
    assert LabelConfig.from_env().max_object_bytes == 1_048_576


@pytest.mark.parametrize("value", ["0", "-1", "50MiB"])
def test_bad_size_limits(monkeypatch, value):
    monkeypatch.setenv("MAX_OBJECT_BYTES", value)
    with pytest.raises(ConfigError, match="MAX_OBJECT_BYTES"):
        ImageLimits.from_env()


def test_every_decoding_function_reads_the_same_pixel_limit(monkeypatch):
    monkeypatch.setenv("MAX_IMAGE_PIXELS", "200000000")
    assert ImageLimits.from_env().max_image_pixels == 200_000_000
    assert ThumbnailConfig.from_env().max_image_pixels == 200_000_000
    assert LabelConfig.from_env().max_image_pixels == 200_000_000


def test_values_are_read_at_call_time(monkeypatch):
    monkeypatch.setenv("THUMBNAIL_SIZE", "128")
    assert ThumbnailConfig.from_env().size == 128
    monkeypatch.setenv("THUMBNAIL_SIZE", "64")
    assert ThumbnailConfig.from_env().size == 64


@pytest.mark.parametrize(("name", "value"), [("THUMBNAIL_SIZE", "big"), ("MAX_LABELS", "0")])
def test_bad_numbers(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        (ThumbnailConfig if name == "THUMBNAIL_SIZE" else LabelConfig).from_env()


def test_missing_required(monkeypatch):
    monkeypatch.delenv("IMAGE_METADATA_TABLE", raising=False)
    with pytest.raises(ConfigError, match="IMAGE_METADATA_TABLE"):
        TableConfig.from_env()
    monkeypatch.setenv("IMAGE_METADATA_TABLE", "t")
    monkeypatch.setenv("STATE_MACHINE_ARN", "arn:aws:states:us-east-1:1:stateMachine:s")
    monkeypatch.delenv("INCOMING_PREFIX", raising=False)
    assert StartConfig.from_env().incoming_prefix == "Incoming/"


@pytest.mark.parametrize(
    ("disabled", "task_root", "expected"),
    [("true", "/var/task", False), ("false", "/var/task", True), ("false", None, False)],
)
def test_tracing_only_when_enabled_in_lambda(monkeypatch, disabled, task_root, expected):
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", disabled)
    if task_root:
        monkeypatch.setenv("LAMBDA_TASK_ROOT", task_root)
    else:
        monkeypatch.delenv("LAMBDA_TASK_ROOT", raising=False)
    assert observability.tracing_enabled() is expected
