"""Images generated at test time (Pillow + piexif), and hostile files built by hand."""

from __future__ import annotations

import io
import os
import struct
import zlib
from fractions import Fraction
from pathlib import Path

import piexif
from PIL import Image

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "images"

# Inverse of the EXIF orientation transform: stored pixels = displayed.transpose(INVERSE[o]).
INVERSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _rational(value: float, denominator: int = 10000) -> tuple[int, int]:
    fraction = Fraction(value).limit_denominator(denominator)
    return fraction.numerator, fraction.denominator


def dms(value: float) -> tuple[tuple[int, int], ...]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return ((degrees, 1), (minutes, 1), _rational(seconds, 1000))


def exif_bytes(
    orientation: int | None = None,
    make: str | None = None,
    model: str | None = None,
    taken: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> bytes:
    zeroth: dict[int, object] = {}
    exif: dict[int, object] = {}
    gps: dict[int, object] = {}
    if orientation is not None:
        zeroth[piexif.ImageIFD.Orientation] = orientation
    if make:
        zeroth[piexif.ImageIFD.Make] = make
    if model:
        zeroth[piexif.ImageIFD.Model] = model
    if taken:
        exif[piexif.ExifIFD.DateTimeOriginal] = taken
    if lat is not None and lon is not None:
        gps[piexif.GPSIFD.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        gps[piexif.GPSIFD.GPSLatitude] = dms(lat)
        gps[piexif.GPSIFD.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        gps[piexif.GPSIFD.GPSLongitude] = dms(lon)
    return piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps, "1st": {}, "thumbnail": None})


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def jpeg(size=(64, 48), color=(200, 120, 40), mode="RGB", **params: object) -> bytes:
    return encode(Image.new(mode, size, color), "JPEG", **params)


def noisy_jpeg(size=(1200, 900), quality=90, **params: object) -> bytes:
    """Camera-like: random noise compresses badly, so the file is large."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    return encode(image, "JPEG", quality=quality, **params)


def quadrants(size=(400, 200)) -> Image.Image:
    """Displayed image: red top-left, green top-right, blue bottom-left, white bottom-right."""
    width, height = size
    image = Image.new("RGB", size, WHITE)
    image.paste(RED, (0, 0, width // 2, height // 2))
    image.paste(GREEN, (width // 2, 0, width, height // 2))
    image.paste(BLUE, (0, height // 2, width // 2, height))
    return image


def oriented_jpeg(orientation: int, displayed=(400, 200), **exif: object) -> bytes:
    """A JPEG that shows ``quadrants(displayed)`` once its EXIF orientation is applied."""
    image = quadrants(displayed)
    if orientation in INVERSE:
        image = image.transpose(INVERSE[orientation])
    return encode(image, "JPEG", quality=95, exif=exif_bytes(orientation=orientation, **exif))


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb(width=100_000, height=100_000) -> bytes:
    """A valid PNG header declaring ``width * height`` pixels (10 billion by default)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


# Pillow raises DecompressionBombError above twice its default limit (89,478,485 pixels):
# 15,000 x 12,000 = 180 MP is above that, so only a configured limit can admit it.
HUGE = (15_000, 12_000)


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small baseline JPEG whose frame header (SOF0) claims ``width`` x ``height``.

    Nothing that size is ever allocated: the header alone is read to check the limit, and a
    thumbnail decodes it with DCT scaling (1/8), the missing scan data as grey.
    """
    data = bytearray(jpeg((16, 16)))
    pos = 2  # after SOI: walk the marker segments (FF xx, length) to SOF0
    while data[pos + 1] != 0xC0:
        pos += 2 + struct.unpack_from(">H", data, pos + 2)[0]
    # SOF0: marker (2), length (2), precision (1), height (2), width (2)
    struct.pack_into(">HH", data, pos + 5, height, width)
    return bytes(data)


def corrupt_exif_jpeg() -> bytes:
    """A decodable JPEG whose APP1 Exif segment is garbage."""
    body = jpeg((32, 24))
    garbage = b"Exif\x00\x00MM\x00\x2a\xff\xff\xff\xf0" + b"\xde\xad" * 40
    app1 = b"\xff\xe1" + struct.pack(">H", len(garbage) + 2) + garbage
    return body[:2] + app1 + body[2:]


def big_header_jpeg(app_bytes: int = 100_000) -> bytes:
    """A JPEG whose header (ICC profile in APP2 segments) is larger than 64 KiB."""
    return encode(
        Image.new("RGB", (320, 240), (10, 20, 30)),
        "JPEG",
        icc_profile=os.urandom(app_bytes),
    )


def gif(size=(40, 30)) -> bytes:
    return encode(Image.new("P", size, 3), "GIF")


def bmp(size=(40, 30)) -> bytes:
    """A format Pillow reads and the pipeline refuses."""
    return encode(Image.new("RGB", size, (1, 2, 3)), "BMP")


# ------------------------------------------------- HEIF, AVIF, WebP, GIF: hostile headers


def claiming_ispe(data: bytes, width: int, height: int) -> bytes:
    """A HEIF/AVIF whose every image spatial extents box (``ispe``) claims ``width`` x
    ``height``: nothing that size exists, the header alone is over the limit."""
    out = bytearray(data)
    start = 0
    while (found := out.find(b"ispe", start)) >= 0:
        struct.pack_into(">II", out, found + 8, width, height)  # after version and flags
        start = found + 4
    assert start, "no ispe box"
    return bytes(out)


def webp_claiming(data: bytes, width: int, height: int) -> bytes:
    """An extended WebP (VP8X chunk) whose canvas claims ``width`` x ``height``."""
    out = bytearray(data)
    assert out[12:16] == b"VP8X", "not an extended WebP"
    out[24:30] = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return bytes(out)


def gif_claiming(data: bytes, width: int, height: int) -> bytes:
    """A GIF whose logical screen claims ``width`` x ``height``."""
    out = bytearray(data)
    struct.pack_into("<HH", out, 6, width, height)
    return bytes(out)


def corrupt_middle(data: bytes, length: int = 64) -> bytes:
    out = bytearray(data)
    middle = len(out) // 2
    out[middle : middle + length] = b"\xff" * length
    return bytes(out)
