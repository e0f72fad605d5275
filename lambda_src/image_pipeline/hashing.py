"""Duplicates: a content hash of the bytes and a perceptual hash of the pixels.

``content_hash`` is the SHA-256 of the object's bytes, computed while they are read (the same
bytes uploaded twice, under any name); ``perceptual_hash`` is a 64-bit DCT hash of the
picture (the same photo re-encoded, resized, re-saved as another format: a Hamming distance of
a few bits). The perceptual hash is the ``imagehash`` package's ``phash`` (greyscale, 32 x 32
Lanczos, 2-D DCT-II, the 8 x 8 lowest frequencies against their median), re-implemented here
in pure Python: ``imagehash`` needs numpy, SciPy and PyWavelets, about 180 MB unpacked in the
layer for one 32 x 32 transform. ``tests/unit/test_hashing.py`` checks it gives imagehash's
own values.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # Pillow only where a picture is hashed: store_metadata compares hashes
    from PIL import Image

CHUNK_BYTES = 1024 * 1024
HASH_SIZE = 8  # bits per side: a 64-bit hash
_SAMPLE = HASH_SIZE * 4  # imagehash's highfreq_factor 4: a 32 x 32 greyscale sample
FLAT_SPREAD = 2  # grey levels: a sample no wider than this has no picture to hash

# DCT-II basis (SciPy's unnormalised type 2 up to its factor 2, which a median test ignores):
# only the HASH_SIZE lowest frequencies are ever used.
_BASIS = [
    [math.cos(math.pi * k * (2 * n + 1) / (2 * _SAMPLE)) for n in range(_SAMPLE)]
    for k in range(HASH_SIZE)
]


def content_hash(chunks: Iterable[bytes]) -> str:
    """``sha256:<64 hex>`` of the concatenated ``chunks`` (an S3 body's ``iter_chunks``)."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def content_hash_of_file(fh: IO[bytes], chunk_bytes: int = CHUNK_BYTES) -> str:
    """``content_hash`` of an open binary file, read ``chunk_bytes`` at a time."""
    return content_hash(iter(lambda: fh.read(chunk_bytes), b""))


def perceptual_hash(image: Image.Image) -> str | None:
    """``phash:<16 hex>``: imagehash's ``str(phash(image))`` with a prefix naming the kind;
    None for a (nearly) flat picture, whose bits would come from rounding noise alone and
    match every other flat picture of the same grey.

    Give it the picture as displayed (oriented, sRGB): an EXIF-rotated copy then hashes like
    the upright one. Alpha is ignored (as imagehash does: ``convert("L")``).
    """
    from PIL import Image

    sample = image.convert("L").resize((_SAMPLE, _SAMPLE), Image.Resampling.LANCZOS)
    pixels = sample.tobytes()  # one byte per pixel, row by row
    if max(pixels) - min(pixels) <= FLAT_SPREAD:
        return None
    rows = [pixels[y * _SAMPLE : (y + 1) * _SAMPLE] for y in range(_SAMPLE)]
    # Along axis 0 (columns) first, then axis 1 (rows), as imagehash calls scipy's dct.
    columns = [
        [sum(basis[n] * rows[n][x] for n in range(_SAMPLE)) for x in range(_SAMPLE)]
        for basis in _BASIS
    ]
    low = [[sum(basis[n] * row[n] for n in range(_SAMPLE)) for basis in _BASIS] for row in columns]
    values = [value for row in low for value in row]
    ordered = sorted(values)
    middle = len(ordered) // 2
    median = (ordered[middle - 1] + ordered[middle]) / 2
    bits = "".join("1" if value > median else "0" for value in values)
    return "phash:" + format(int(bits, 2), f"0{len(bits) // 4}x")


def hamming(a: str, b: str) -> int:
    """Bits that differ between two perceptual hashes of the same kind (0: the same picture)."""
    kind_a, _, hex_a = a.partition(":")
    kind_b, _, hex_b = b.partition(":")
    if kind_a != kind_b or len(hex_a) != len(hex_b):
        raise ValueError(f"hashes of different kinds or sizes: {a!r}, {b!r}")
    return (int(hex_a, 16) ^ int(hex_b, 16)).bit_count()
