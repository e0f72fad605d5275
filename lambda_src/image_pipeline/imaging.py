"""Pillow-based identification, metadata extraction and thumbnails.

Only this module imports Pillow, so handlers that do not need it stay cheap to import.
Nothing here decodes pixels until the header has been checked against the pixel limit, and
every image is opened with Pillow's own limit set from that same configured limit.
"""

from __future__ import annotations

import contextlib
import io
import math
import struct
import threading
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PIL import Image, UnidentifiedImageError

from image_pipeline.errors import (
    FileTypeNotSupported,
    ImageDecodeError,
    ImageIdentifyError,
    ImageTooLarge,
)
from image_pipeline.models import Geo, RawMetadata
from image_pipeline.sources import PREFIX_BYTES, ByteSource

# Pillow format -> the pipeline's format. MPO (multi-picture JPEG from phones) is a JPEG.
SUPPORTED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, IndexError, TypeError, struct.error, EOFError)

# EXIF tags
_ORIENTATION = 0x0112
_MAKE = 0x010F
_MODEL = 0x0110
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class _NeedMoreData(Exception):
    """The header does not fit in the bytes read so far."""


_PILLOW_LIMIT = threading.Lock()


@contextlib.contextmanager
def pillow_pixel_limit(max_pixels: int) -> Iterator[None]:
    """Pillow's decompression-bomb limit set to ``max_pixels`` for the duration of the block.

    Pillow warns above its module-global ``Image.MAX_IMAGE_PIXELS`` and raises
    ``DecompressionBombError`` above twice that, before the pipeline sees the size: left at its
    default, a configured limit above ~179 MP could never take effect. The previous value is
    restored on the way out, so other users of Pillow in the process keep their own setting;
    the lock keeps concurrent callers of this module from restoring each other's value.
    """
    with _PILLOW_LIMIT:
        previous = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = max_pixels
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = previous


def sniff(head: bytes) -> str | None:
    """The container a file claims to be, from its magic bytes (before Pillow looks at it)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(_PNG_MAGIC):
        return "PNG"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIF"
    return None


def _open(data: bytes, max_pixels: int, complete: bool) -> Image.Image:
    """Open (header only) and enforce the pixel limit before anything is decoded."""
    if not data:
        raise ImageIdentifyError("The file is empty")
    claimed = sniff(data)
    if claimed == "HEIF":
        raise FileTypeNotSupported("HEIF/AVIF images are not supported; use JPEG or PNG")
    try:
        with warnings.catch_warnings(), pillow_pixel_limit(max_pixels):
            warnings.simplefilter("ignore")  # bomb warnings, corrupt EXIF: handled below
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(f"The image exceeds the limit of {max_pixels} pixels: {exc}") from exc
    except UnidentifiedImageError as exc:
        if claimed is None:
            raise ImageIdentifyError("The file is not a recognised image") from exc
        if not complete:
            raise _NeedMoreData from exc
        raise ImageDecodeError(f"The {claimed} header is corrupt or truncated") from exc
    except _DECODE_ERRORS as exc:
        if not complete:
            raise _NeedMoreData from exc
        raise ImageDecodeError(f"The image header is corrupt or truncated: {exc}") from exc
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ImageDecodeError(f"Invalid image dimensions {width}x{height}")
    if width * height > max_pixels:
        raise ImageTooLarge(
            f"The image exceeds the limit of {max_pixels} pixels: "
            f"{width}x{height} = {width * height} pixels"
        )
    return image


def pipeline_format(image: Image.Image) -> str:
    fmt = SUPPORTED_FORMATS.get(image.format or "")
    if fmt is None:
        raise FileTypeNotSupported(
            f"{image.format or 'This'} images are not supported; use JPEG or PNG"
        )
    return fmt


# ---------------------------------------------------------------------------- EXIF


def _exif_bytes(image: Image.Image) -> bytes | None:
    """Raw EXIF from the header (JPEG APP1, PNG eXIf/zTXt before IDAT). Never decodes pixels.

    ``PngImageFile.getexif()`` would decode the whole image when no eXIf chunk came first.
    """
    raw = image.info.get("exif")
    if isinstance(raw, bytes) and raw:
        return raw
    profile = image.info.get("Raw profile type exif")  # ImageMagick writes EXIF as hex text
    if isinstance(profile, str | bytes) and profile:
        text = profile.decode("latin-1") if isinstance(profile, bytes) else profile
        try:
            return bytes.fromhex("".join(text.split("\n")[3:]))
        except ValueError:
            return None
    return None


def read_exif(image: Image.Image) -> Image.Exif | None:
    raw = _exif_bytes(image)
    if not raw:
        return None
    exif = Image.Exif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exif.load(raw)
    except Exception:  # corrupt EXIF never fails the image
        return None
    return exif


def _ifd(exif: Image.Exif, tag: int) -> dict[int, Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return dict(exif.get_ifd(tag))
    except Exception:  # a broken sub-IFD loses only its own facts
        return {}


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value or None


def orientation_of(exif: Image.Exif | None) -> int | None:
    if exif is None:
        return None
    try:
        value = int(exif.get(_ORIENTATION))
    except (TypeError, ValueError):
        return None
    return value if 1 <= value <= 8 else None


def _capture_time(exif_ifd: dict[int, Any]) -> str | None:
    text = _text(exif_ifd.get(_DATETIME_ORIGINAL))
    if not text:
        return None
    try:
        moment = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    iso = moment.isoformat()
    offset = _text(exif_ifd.get(_OFFSET_TIME_ORIGINAL))
    if offset and len(offset) == 6 and offset[0] in "+-" and offset[3] == ":":
        iso += offset
    return iso


def _degrees(value: Any) -> float | None:
    try:
        if isinstance(value, tuple | list):
            parts = [float(v) for v in value]
            if not parts or len(parts) > 3:
                return None
            parts += [0.0] * (3 - len(parts))
            degrees = parts[0] + parts[1] / 60 + parts[2] / 3600
        else:
            degrees = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return degrees if math.isfinite(degrees) else None


def _gps(gps_ifd: dict[int, Any]) -> Geo | None:
    lat = _degrees(gps_ifd.get(2))
    lon = _degrees(gps_ifd.get(4))
    if lat is None or lon is None:
        return None
    lat_ref = (_text(gps_ifd.get(1)) or "N").upper()[:1]
    lon_ref = (_text(gps_ifd.get(3)) or "E").upper()[:1]
    if lat_ref == "S":
        lat = -lat
    if lon_ref == "W":
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return {"latitude": round(lat, 6), "longitude": round(lon, 6)}


def _add_exif_facts(metadata: RawMetadata, exif: Image.Exif | None) -> None:
    if exif is None:
        return
    make, model = _text(exif.get(_MAKE)), _text(exif.get(_MODEL))
    if make:
        metadata["exifMake"] = make
    if model:
        metadata["exifModel"] = model
    creation = _capture_time(_ifd(exif, _EXIF_IFD))
    if creation:
        metadata["creationTime"] = creation
    geo = _gps(_ifd(exif, _GPS_IFD))
    if geo:
        metadata["geo"] = geo


# ------------------------------------------------------------------------- metadata


def extract_metadata(source: ByteSource, max_pixels: int) -> RawMetadata:
    """Raw metadata from the header: a 64 KiB prefix, the rest only if the header needs it.

    Returns ``{format, width, height, fileSize, exifMake?, exifModel?, creationTime?, geo?,
    orientation?}``; width and height are as displayed (EXIF orientations 5-8 swap them).
    """
    prefix, total = source.read_prefix(PREFIX_BYTES)
    complete = len(prefix) >= total
    try:
        image = _open(prefix, max_pixels, complete)
    except _NeedMoreData:
        image = _open(source.read_rest(prefix), max_pixels, complete=True)
    fmt = pipeline_format(image)
    exif = read_exif(image)
    orientation = orientation_of(exif)
    width, height = image.size
    if orientation and orientation >= 5:
        width, height = height, width
    metadata: RawMetadata = {"format": fmt, "width": width, "height": height, "fileSize": total}
    _add_exif_facts(metadata, exif)
    if orientation:
        metadata["orientation"] = orientation
    return metadata


# ------------------------------------------------------------------------ thumbnail


@dataclass(frozen=True)
class Thumbnail:
    data: bytes
    format: str
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


def fit(size: tuple[int, int], box: int) -> tuple[int, int]:
    """Fit ``size`` inside a ``box`` x ``box`` square keeping the aspect ratio; never upscale."""
    width, height = size
    if width <= box and height <= box:
        return width, height
    scale = box / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _for_output(image: Image.Image, fmt: str) -> Image.Image:
    """Convert to a mode the output format stores, keeping transparency for PNG."""
    mode = image.mode
    if fmt == "JPEG":
        return image if mode in ("L", "RGB") else image.convert("RGB")
    has_transparency = "transparency" in image.info
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if has_transparency or mode == "PA":  # tRNS: a colour or palette entry -> alpha
        return image.convert("RGBA")
    if mode == "P":
        return image.convert("RGB")
    if mode == "1":
        return image.convert("L")
    if mode in ("L", "LA", "RGB", "RGBA"):
        return image
    return image.convert("RGBA")


def make_thumbnail(data: bytes, box: int, max_pixels: int) -> Thumbnail:
    """Fit inside ``box``, honour EXIF orientation, strip metadata, keep format and alpha.

    JPEGs are decoded with DCT scaling (``draft``) at the smallest scale still at least the
    target size, so a 24 MP photo is decoded at 1/8 size; only one decoded copy is alive at
    a time.
    """
    image = _open(data, max_pixels, complete=True)
    fmt = pipeline_format(image)
    orientation = orientation_of(read_exif(image)) or 1
    target = fit(image.size, box)
    try:
        if fmt == "JPEG" and target != image.size:
            image.draft(image.mode if image.mode in ("RGB", "L") else None, target)
        image.load()
        image = _for_output(image, fmt)
        if image.size != target:
            image = image.resize(target, Image.Resampling.BICUBIC, reducing_gap=2.0)
        if orientation in _TRANSPOSE:
            image = image.transpose(_TRANSPOSE[orientation])
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(str(exc)) from exc
    except (*_DECODE_ERRORS, zlib.error) as exc:
        raise ImageDecodeError(f"The image data is corrupt or truncated: {exc}") from exc
    image.info = {}  # strip EXIF, GPS, XMP, ICC, comments: nothing is carried over
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=85, optimize=True)
    else:
        image.save(out, "PNG", optimize=False, compress_level=6)
    return Thumbnail(out.getvalue(), fmt, image.width, image.height)
