"""The image-pipeline CLI, run as a subprocess like a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from . import images

SCRIPT = Path(sys.executable).with_name("image-pipeline")
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "image_pipeline.cli"]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*COMMAND, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def last_error(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stderr.strip().splitlines()[-1])


def test_metadata_of_a_real_photo():
    proc = run("metadata", str(images.FIXTURES / "has-lens-info.jpg"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "format": "JPEG",
        "width": 102,
        "height": 205,
        "fileSize": 22493,
        "exifMake": "Apple",
        "exifModel": "iPhone 4S",
        "creationTime": "2014-09-01T15:03:47",
        "geo": {"latitude": 59.332547, "longitude": 18.064942},
        "orientation": 6,
    }


def test_metadata_without_exif_prints_nulls(tmp_path):
    path = tmp_path / "plain.png"
    path.write_bytes(images.encode(Image.new("RGB", (12, 34)), "PNG"))
    proc = run("metadata", str(path))
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == {
        "format": "PNG",
        "width": 12,
        "height": 34,
        "fileSize": path.stat().st_size,
        "exifMake": None,
        "exifModel": None,
        "creationTime": None,
        "geo": None,
    }


def test_mpo_metadata_is_jpeg():
    proc = run("metadata", str(images.FIXTURES / "sugarshack.mpo"))
    assert json.loads(proc.stdout)["format"] == "JPEG"


def test_thumbnail(tmp_path):
    out = tmp_path / "thumb.jpg"
    proc = run("thumbnail", str(images.FIXTURES / "sugarshack.mpo"), str(out), "--size", "64")
    assert proc.returncode == 0, proc.stderr
    with Image.open(out) as image:
        assert (image.format, image.size) == ("JPEG", (64, 48))
        assert not image.getexif()


def test_thumbnail_default_size_never_upscales(tmp_path):
    out = tmp_path / "t.jpg"
    assert run("thumbnail", str(images.FIXTURES / "has-lens-info.jpg"), str(out)).returncode == 0
    with Image.open(out) as image:
        assert image.size == (102, 205)


BAD = {
    "zero-bytes.jpg": (b"", "ImageIdentifyError"),
    "text.jpg": (b"this is not an image\n" * 5, "ImageIdentifyError"),
    "bitmap.jpg": (images.bmp(), "FileTypeNotSupported"),
    "bomb.png": (images.png_bomb(), "ImageTooLarge"),
    "cut.jpg": (images.jpeg(exif=images.exif_bytes(make="X"))[:90], "ImageDecodeError"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_metadata_bad_input(tmp_path, name):
    data, error = BAD[name]
    path = tmp_path / name
    path.write_bytes(data)
    payload = last_error(run("metadata", str(path)))
    assert payload["error"] == error
    assert isinstance(payload["cause"], str) and payload["cause"]


@pytest.mark.parametrize("name", sorted(BAD))
def test_thumbnail_bad_input(tmp_path, name):
    data, error = BAD[name]
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / "out.jpg"
    assert last_error(run("thumbnail", str(path), str(out)))["error"] == error
    assert not out.exists()


def test_thumbnail_of_truncated_body(tmp_path):
    data = images.noisy_jpeg((400, 300))
    path = tmp_path / "half.jpg"
    path.write_bytes(data[: len(data) // 2])
    assert last_error(run("thumbnail", str(path), str(tmp_path / "o.jpg")))["error"] == (
        "ImageDecodeError"
    )


def test_missing_file():
    assert last_error(run("metadata", "/no/such/file.jpg"))["error"] == "ImageIdentifyError"


def test_pixel_limit_env(tmp_path):
    path = tmp_path / "x.jpg"
    path.write_bytes(images.jpeg((50, 50)))
    proc = run("metadata", str(path), env={"MAX_IMAGE_PIXELS": "100"})
    assert last_error(proc)["error"] == "ImageTooLarge"


def test_usage_error_is_json_too():
    payload = last_error(run("thumbnail", "only-one-arg"))
    assert payload["error"] == "UsageError"


def test_directory_and_device_are_refused_without_hanging(tmp_path):
    assert last_error(run("metadata", str(tmp_path)))["error"] == "ImageIdentifyError"
    proc = run("thumbnail", "/dev/zero", str(tmp_path / "o.jpg"))
    assert last_error(proc)["error"] == "ImageIdentifyError"


def test_renditions_of_a_heic(tmp_path):
    proc = run("renditions", str(images.FIXTURES / "empty_icc.heic"), str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert (result["format"], result["width"], result["height"]) == ("HEIF", 1025, 900)
    assert result["contentHash"].startswith("sha256:") and len(result["contentHash"]) == 71
    assert result["perceptualHash"].startswith("phash:")
    assert result["colourProfile"] == "Display P3" and result["transparent"] is False
    assert [(r["name"], r["format"], r["width"]) for r in result["renditions"]] == [
        ("thumbnail", "JPEG", 250),
        ("preview", "JPEG", 1025),
    ]
    for rendition in result["renditions"]:
        with Image.open(rendition["path"]) as image:
            assert image.size == (rendition["width"], rendition["height"])


def test_renditions_as_webp_with_sizes(tmp_path):
    proc = run(
        "renditions",
        str(images.FIXTURES / "transparent.gif"),
        str(tmp_path),
        "--renditions",
        "small:40,big:120",
        "--format",
        "webp",
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["transparent"] is True
    assert [Path(r["path"]).name for r in result["renditions"]] == ["small.webp", "big.webp"]


def test_renditions_bad_spec_and_bad_file(tmp_path):
    bad_spec = run(
        "renditions", str(images.FIXTURES / "flower.jpg"), str(tmp_path), "--renditions", "x"
    )
    assert last_error(bad_spec)["error"] == "UsageError"
    path = tmp_path / "cut.avif"
    path.write_bytes(images.fixture("exif.avif")[:4000])
    assert last_error(run("renditions", str(path), str(tmp_path)))["error"] == "ImageDecodeError"
