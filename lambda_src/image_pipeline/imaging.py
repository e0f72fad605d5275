"""Pillow-based identification, metadata extraction and thumbnails.

Only this module (and ``colour``, ``renditions``, ``hashing``, which it or its callers import
lazily) imports Pillow, so handlers that do not need it stay cheap to import. Nothing here
decodes pixels until the header has been checked against the pixel limit, and every image is
opened with Pillow's own limit set from that same configured limit.

Formats: JPEG (and MPO, a multi-picture JPEG), PNG, WebP, GIF (its first frame) and AVIF are
Pillow's own; HEIF/HEIC comes from the ``pillow-heif`` plugin (libheif, libde265), or its
decode-only build ``pi-heif`` when only that is installed, registered here. HEIF pixels come
out already rotated (libheif applies the container's irot/imir and the plugin resets the EXIF
orientation to 1, keeping the original in ``info["original_orientation"]``); AVIF
pixels come out as stored, with the container's irot/imir turned into an EXIF orientation by
Pillow, like a JPEG's.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.metadata
import importlib.util
import io
import math
import struct
import threading
import warnings
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PIL import Image, UnidentifiedImageError

from image_pipeline.errors import (
    FileTypeNotSupported,
    ImageDecodeError,
    ImageIdentifyError,
    ImageTooLarge,
)
from image_pipeline.models import Geo, RawMetadata
from image_pipeline.sources import PREFIX_BYTES, ByteSource

if TYPE_CHECKING:
    from image_pipeline.renditions import Rendition as Thumbnail


def _heif_module() -> str | None:
    """pillow-heif (the layer's), else pi-heif (its decode-only build, same API), else None;
    found, not imported."""
    for name in ("pillow_heif", "pi_heif"):
        if importlib.util.find_spec(name) is not None:
            return name
    return None  # pragma: no cover - the layer and the dev venv both install pillow-heif


_HEIF_MODULE = _heif_module()
HEIF_DECODER: str | None = (
    f"{_HEIF_MODULE.replace('_', '-')} {importlib.metadata.version(_HEIF_MODULE.replace('_', '-'))}"
    if _HEIF_MODULE
    else None
)


@functools.cache
def _register_heif() -> None:
    """The HEIF opener, registered the first time a HEIF is opened: importing libheif costs
    about 7 MiB of every container that never sees one."""
    if _HEIF_MODULE is not None:
        plugin = importlib.import_module(_HEIF_MODULE)
        # Only the primary image: no thumbnails, depth maps or auxiliary images are decoded.
        plugin.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


# Pillow format -> the pipeline's format. MPO (multi-picture JPEG from phones) is a JPEG.
SUPPORTED_FORMATS = {
    "JPEG": "JPEG",
    "MPO": "JPEG",
    "PNG": "PNG",
    "HEIF": "HEIF",
    "AVIF": "AVIF",
    "WEBP": "WEBP",
    "GIF": "GIF",
}
# Every format the library accepts; a deployment may accept fewer (``formats=`` below).
ALL_FORMATS = frozenset(SUPPORTED_FORMATS.values())
# What Rekognition reads itself (from S3 or bytes); anything else needs a JPEG rendition.
REKOGNITION_FORMATS = frozenset({"JPEG", "PNG"})
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_AVIF_BRANDS = {b"avif", b"avis"}
# pillow-heif accepts these brands; Pillow's AVIF plugin tries mif1/msf1 files first (and passes
# them on when they are not AV1): ``image.format`` decides, the sniff names the claim only.
_HEIF_BRANDS = frozenset(
    (b"heic", b"heix", b"hevc", b"hevx", b"hevm", b"hevs", b"heim", b"heis", b"mif1", b"msf1")
)
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
    if head[4:8] == b"ftyp":
        if head[8:12] in _AVIF_BRANDS:
            return "AVIF"
        if head[8:12] in _HEIF_BRANDS:
            return "HEIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    return None


# ISO base media files (HEIF, AVIF) keep EXIF as an item of the media data, often after the
# image itself: their metadata is read from the whole file, not a prefix.
_WHOLE_FILE = {"HEIF", "AVIF"}


def _open(data: bytes, max_pixels: int, complete: bool) -> Image.Image:
    """Open (header only) and enforce the pixel limit before anything is decoded."""
    if not data:
        raise ImageIdentifyError("The file is empty")
    claimed = sniff(data)
    if claimed == "HEIF":
        if HEIF_DECODER is None:
            raise FileTypeNotSupported("HEIF images need pillow-heif, which is not installed here")
        _register_heif()
    if claimed in _WHOLE_FILE and not complete:
        raise _NeedMoreData
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


def pipeline_format(image: Image.Image, formats: frozenset[str] = ALL_FORMATS) -> str:
    """The pipeline's name of the image's format; FileTypeNotSupported when it is not one of
    ``formats`` (every format the library reads, unless a deployment accepts fewer)."""
    fmt = SUPPORTED_FORMATS.get(image.format or "")
    if fmt is None or fmt not in formats:
        accepted = ", ".join(sorted(formats))
        raise FileTypeNotSupported(
            f"{image.format or 'This'} images are not supported; use {accepted}"
        )
    return fmt


def displayed_orientation(image: Image.Image, exif: Image.Exif | None) -> tuple[int | None, bool]:
    """The orientation the camera recorded, and whether the pixels still need it applied.

    HEIF pixels are rotated already by libheif (the plugin keeps the recorded value apart);
    every other format's pixels are as stored, to be transposed by the EXIF orientation.
    """
    if image.format == "HEIF":
        recorded = image.info.get("original_orientation")
        value = recorded if isinstance(recorded, int) and 1 <= recorded <= 8 else None
        return value, False
    return orientation_of(exif), True


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


def extract_metadata(
    source: ByteSource,
    max_pixels: int,
    formats: frozenset[str] = ALL_FORMATS,
    *,
    refuse_unsupported: bool = True,
) -> RawMetadata:
    """Raw metadata from the header: a 64 KiB prefix, the rest only if the header needs it
    (HEIF and AVIF: always the whole file, their EXIF may follow the image data).

    Returns ``{format, width, height, fileSize, exifMake?, exifModel?, creationTime?, geo?,
    orientation?}``; width and height are as displayed (EXIF orientations 5-8 swap them).
    A format outside ``formats`` is FileTypeNotSupported; with ``refuse_unsupported=False``
    (the CLI) it is reported instead, under Pillow's name (``TIFF``, ``BMP``...), with
    ``supported: False``.
    """
    prefix, total = source.read_prefix(PREFIX_BYTES)
    complete = len(prefix) >= total
    try:
        image = _open(prefix, max_pixels, complete)
    except _NeedMoreData:
        image = _open(source.read_rest(prefix), max_pixels, complete=True)
    try:
        fmt = pipeline_format(image, formats)
        supported = True
    except FileTypeNotSupported:
        if refuse_unsupported:
            raise
        fmt, supported = image.format or "UNKNOWN", False
    exif = read_exif(image)
    orientation, pending = displayed_orientation(image, exif)
    width, height = image.size
    if pending and orientation and orientation >= 5:
        width, height = height, width
    metadata: RawMetadata = {"format": fmt, "width": width, "height": height, "fileSize": total}
    if not supported:
        metadata["supported"] = False
    _add_exif_facts(metadata, exif)
    if orientation:
        metadata["orientation"] = orientation
    return metadata


# ------------------------------------------------------------------------ thumbnail


def fit(size: tuple[int, int], box: int) -> tuple[int, int]:
    """Fit ``size`` inside a ``box`` x ``box`` square keeping the aspect ratio; never upscale."""
    width, height = size
    if width <= box and height <= box:
        return width, height
    scale = box / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def make_thumbnail(
    data: bytes, box: int, max_pixels: int, formats: frozenset[str] = ALL_FORMATS
) -> Thumbnail:
    """Fit inside ``box``, honour the orientation, convert to sRGB, strip metadata.

    A JPEG stays a JPEG and a PNG a PNG (with its alpha); every other format becomes a PNG
    when it has transparency, else a JPEG (``renditions.KEEP``). JPEGs are decoded with DCT
    scaling (``draft``) at the smallest scale still at least the target size, so a 24 MP
    photo is decoded at 1/8 size; only one decoded copy is alive at a time.
    """
    from image_pipeline.renditions import KEEP, RenditionSpec, make_renditions

    spec = RenditionSpec("thumbnail", box)
    made = make_renditions(
        data,
        (spec,),
        max_pixels,
        policy=KEEP,
        formats=formats,
        placeholder=False,
        perceptual=False,
    )
    return made.renditions[0]
