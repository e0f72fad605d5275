"""Duplicates: the content hash (SHA-256 of the bytes, streamed) and the perceptual hash
(imagehash's phash, re-implemented without numpy/SciPy); labels for formats Rekognition
cannot read."""

from __future__ import annotations

import hashlib
import io

import pytest
from image_pipeline.errors import ImageTooLarge
from image_pipeline.hashing import content_hash, content_hash_of_file, hamming, perceptual_hash
from image_pipeline.models import S3Location
from image_pipeline.renditions import make_renditions
from image_pipeline.sources import read_object_hashed
from PIL import Image

from . import images
from .conftest import BUCKET

# str(imagehash.phash(Image.open(f))) with ImageHash 4.3.2 (numpy 2.4, SciPy, Pillow 13.0.0),
# recorded once: the pure-Python DCT gives the same bits.
IMAGEHASH_PHASH = {
    "flower.jpg": "c8f2a6c18cfb02dd",
    "flower2.jpg": "c59725ad9cabac0c",
    "iptc.jpg": "9e9e844c63b193d9",
    "hopper_orientation_6.jpg": "cfdb209db6180ea6",
    "sugarshack.mpo": "d06dd83f0ffc22c0",
    "hopper.avif": "8c957c0983cf9e8d",
    "flower.webp": "c8f2a6c18cfb02dd",
    "transparent.gif": "bd3c9cd6c0e2c3c2",
    "empty_icc.heic": "954298dd67394e66",
}


@pytest.mark.parametrize("name", sorted(IMAGEHASH_PHASH))
def test_perceptual_hash_is_imagehash_phash(name):
    import image_pipeline.imaging  # noqa: F401  (registers the HEIF opener)

    with Image.open(images.FIXTURES / name) as image:
        image.load()
        assert perceptual_hash(image) == "phash:" + IMAGEHASH_PHASH[name]


def test_quadrants_hash():
    assert perceptual_hash(images.quadrants((400, 200))) == "phash:b34cb2b34c4cb2b3"


def test_the_same_photo_in_another_format_and_size_is_near():
    jpeg = make_renditions(images.fixture("flower.jpg")).perceptual_hash
    webp = make_renditions(images.fixture("flower.webp")).perceptual_hash
    with Image.open(images.FIXTURES / "flower.jpg") as image:
        small = images.encode(image.resize((160, 120)), "PNG")
        recompressed = images.encode(image, "JPEG", quality=30)
    assert hamming(jpeg, webp) <= 4
    assert hamming(jpeg, make_renditions(small).perceptual_hash) <= 6
    assert hamming(jpeg, make_renditions(recompressed).perceptual_hash) <= 6


def test_an_exif_rotated_copy_hashes_like_the_upright_one():
    upright = make_renditions(images.oriented_jpeg(1, displayed=(800, 400))).perceptual_hash
    for orientation in (3, 6, 8):
        rotated = make_renditions(images.oriented_jpeg(orientation, displayed=(800, 400)))
        assert hamming(upright, rotated.perceptual_hash) <= 2


def test_different_photos_are_far_apart():
    names = ["flower.jpg", "flower2.jpg", "iptc.jpg", "hopper_orientation_6.jpg"]
    hashes = [make_renditions(images.fixture(name)).perceptual_hash for name in names]
    for i, a in enumerate(hashes):
        for b in hashes[i + 1 :]:
            assert hamming(a, b) >= 16


def test_hamming_refuses_hashes_of_other_kinds():
    assert hamming("phash:ff", "phash:0f") == 4
    with pytest.raises(ValueError):
        hamming("phash:ff", "dhash:ff")
    with pytest.raises(ValueError):
        hamming("phash:ff", "phash:fff")


# ------------------------------------------------------------------------ content


def test_content_hash_of_chunks_and_files(tmp_path):
    data = images.noisy_jpeg((300, 200))
    expected = "sha256:" + hashlib.sha256(data).hexdigest()
    assert content_hash([data]) == expected
    assert content_hash(data[i : i + 1000] for i in range(0, len(data), 1000)) == expected
    path = tmp_path / "p.jpg"
    path.write_bytes(data)
    with open(path, "rb") as fh:
        assert content_hash_of_file(fh, chunk_bytes=777) == expected
    assert content_hash_of_file(io.BytesIO(b"")) == "sha256:" + hashlib.sha256(b"").hexdigest()


def test_s3_bytes_hashed_as_they_stream(s3):
    data = images.noisy_jpeg((600, 400))
    s3.put_object(Bucket=BUCKET, Key="Incoming/u/p.jpg", Body=data)
    read, digest = read_object_hashed(
        S3Location(BUCKET, "Incoming/u/p.jpg"), max_bytes=len(data), chunk_bytes=4096
    )
    assert read == data
    assert digest == "sha256:" + hashlib.sha256(data).hexdigest()
    with pytest.raises(ImageTooLarge, match="over the limit"):
        read_object_hashed(S3Location(BUCKET, "Incoming/u/p.jpg"), max_bytes=len(data) - 1)


def test_same_bytes_same_content_hash_different_bytes_not(s3):
    a = images.fixture("flower.jpg")
    b = images.fixture("flower.webp")  # the same picture: near perceptually, not in content
    for key, body in (("a1", a), ("a2", a), ("b", b)):
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    digests = {k: read_object_hashed(S3Location(BUCKET, k), None)[1] for k in ("a1", "a2", "b")}
    assert digests["a1"] == digests["a2"] != digests["b"]


# ------------------------------------------------------------------------- labels


@pytest.mark.parametrize(
    ("fixture", "source_format", "expected"),
    [
        ("empty_icc.heic", "HEIF", "JPEG"),
        ("hopper.avif", "AVIF", "JPEG"),
        ("transparent.webp", "WEBP", "PNG"),
        ("dispose_bgnd.gif", "GIF", "JPEG"),
    ],
)
def test_formats_rekognition_cannot_read_go_straight_to_a_rendition(
    s3, monkeypatch, fixture, source_format, expected
):
    from image_pipeline import labels

    calls: list[dict] = []

    class Rekognition:
        def detect_labels(self, **kwargs):
            calls.append(kwargs)
            return {"Labels": [{"Name": "Thing", "Confidence": 75.0}]}

    real_client = labels.client
    monkeypatch.setattr(
        labels, "client", lambda name: Rekognition() if name == "rekognition" else real_client(name)
    )
    s3.put_object(Bucket=BUCKET, Key="Incoming/u/x", Body=images.fixture(fixture))
    found = labels.detect_labels(BUCKET, "Incoming/u/x", source_format=source_format)
    assert found == [{"name": "Thing", "confidence": 75.0}]
    assert len(calls) == 1 and "Bytes" in calls[0]["Image"]  # never the S3 object
    with Image.open(io.BytesIO(calls[0]["Image"]["Bytes"])) as sent:
        assert sent.format == expected
        assert max(sent.size) <= labels.RENDITION_BOX


def test_jpeg_and_png_still_go_to_rekognition_directly(monkeypatch):
    from image_pipeline import labels

    calls: list[dict] = []

    class Rekognition:
        def detect_labels(self, **kwargs):
            calls.append(kwargs)
            return {"Labels": []}

    monkeypatch.setattr(labels, "client", lambda name: Rekognition())
    for fmt in ("JPEG", "PNG", None):
        labels.detect_labels("b", "k", source_format=fmt)
    assert all("S3Object" in call["Image"] for call in calls) and len(calls) == 3
