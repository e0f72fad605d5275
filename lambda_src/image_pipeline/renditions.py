"""Renditions: every size a photo is shown at, from one decode.

The image is opened with the pixel limit (``imaging._open``), decoded once (a JPEG with DCT
scaling, ``draft``, at the smallest scale still covering the largest size asked), reduced to
the largest size, converted to sRGB from its ICC profile (``colour``), oriented, then each
smaller size is reduced from the one before it. Every rendition is stripped of metadata (EXIF,
GPS, XMP, ICC, comments). Beside the renditions: whether the picture has transparency, a
BlurHash placeholder from the smallest one, and a perceptual hash (``hashing``) of the largest.

Format policy: ``AUTO`` (the default) writes a JPEG, or a PNG when the picture has
transparency (an alpha channel with any pixel below opaque, a GIF's or PNG's transparent
colour); ``WEBP`` writes WebP (lossy, with alpha) throughout; ``KEEP`` (the thumbnail's
historical behaviour) keeps a JPEG a JPEG and a PNG a PNG, and treats other sources as AUTO.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass

from PIL import Image

from image_pipeline.colour import profile_name, to_srgb
from image_pipeline.config import DEFAULT_MAX_IMAGE_PIXELS
from image_pipeline.errors import ImageDecodeError, ImageTooLarge
from image_pipeline.imaging import (
    _DECODE_ERRORS,
    _TRANSPOSE,
    ALL_FORMATS,
    CONTENT_TYPES,
    _open,
    displayed_orientation,
    fit,
    pipeline_format,
    read_exif,
)

AUTO = "auto"
WEBP = "webp"
KEEP = "keep"
POLICIES = (AUTO, WEBP, KEEP)

JPEG_QUALITY = 85
WEBP_QUALITY = 80
PLACEHOLDER_BOX = 32  # BlurHash is computed from at most 32 x 32 pixels
# libheif reports a corrupt or truncated HEIF as RuntimeError or its own error types.
_RENDER_ERRORS = (*_DECODE_ERRORS, zlib.error, RuntimeError)
_SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")


@dataclass(frozen=True)
class RenditionSpec:
    """One size to make: ``name`` (its key segment, no ``/``) and the square ``box`` in px."""

    name: str
    box: int


DEFAULT_RENDITIONS = (RenditionSpec("thumbnail", 250), RenditionSpec("preview", 1280))


def parse_specs(text: str) -> tuple[RenditionSpec, ...]:
    """``"thumbnail:250,preview:1280"`` -> specs; ValueError on anything else."""
    specs = []
    for part in text.split(","):
        name, sep, box = part.strip().partition(":")
        if not sep or not name or not box.strip().isdigit():
            raise ValueError(f"rendition {part.strip()!r} is not NAME:PIXELS")
        specs.append(RenditionSpec(name.strip(), int(box)))
    return _checked(tuple(specs))


def _checked(specs: tuple[RenditionSpec, ...]) -> tuple[RenditionSpec, ...]:
    if not specs:
        raise ValueError("at least one rendition is needed")
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"rendition names repeat: {names}")
    for spec in specs:
        if not spec.name or "/" in spec.name or spec.box < 1:
            raise ValueError(f"rendition {spec} needs a name without / and a box of >= 1 px")
    return specs


@dataclass(frozen=True)
class Rendition:
    """One encoded rendition. ``format`` is JPEG, PNG or WEBP."""

    data: bytes
    format: str
    width: int
    height: int
    name: str = "thumbnail"
    box: int = 0

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Renditions:
    """Everything made from one decode. ``width``/``height``: the source as displayed."""

    source_format: str
    width: int
    height: int
    renditions: tuple[Rendition, ...]  # in the order the specs were given
    transparent: bool
    colour_profile: str | None  # the embedded profile converted from (its description)
    placeholder: str | None  # BlurHash of the smallest rendition
    perceptual_hash: str | None  # hashing.perceptual_hash of the largest rendition

    def named(self, name: str) -> Rendition:
        for rendition in self.renditions:
            if rendition.name == name:
                return rendition
        raise KeyError(name)


def rendition_key(prefix: str, image_id: str, name: str) -> str:
    """``<prefix><owner>/<name>/<rest of the imageID>``: under the owner's folder (the web
    app's role reads ``<prefix><identity id>/*`` only), one key per (name, photo)."""
    owner, sep, rest = image_id.partition("/")
    if not sep:
        return f"{prefix}{name}/{image_id}"
    return f"{prefix}{owner}/{name}/{rest}"


# --------------------------------------------------------------------------- decoding


def _normalise(image: Image.Image) -> Image.Image:
    """A mode every later step handles: L, LA, RGB, RGBA or CMYK (CMYK: ``colour``'s)."""
    mode = image.mode
    if mode in _SIXTEEN_BIT:  # scaled to 8 bits, never clipped
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if "transparency" in image.info or mode in ("PA", "RGBa"):  # tRNS / GIF transparency
        return image.convert("RGBA")
    if mode == "La":
        return image.convert("LA")
    if mode == "P":
        return image.convert("RGB")
    if mode == "1":
        return image.convert("L")
    if mode in ("L", "LA", "RGB", "RGBA", "CMYK"):
        return image
    return image.convert("RGB")


def _has_transparency(image: Image.Image) -> bool:
    if image.mode not in ("LA", "RGBA"):
        return False
    low, _high = image.getchannel("A").getextrema()
    return low < 255


def _output_format(policy: str, source_format: str, transparent: bool) -> str:
    if policy == WEBP:
        return "WEBP"
    if policy == KEEP and source_format in ("JPEG", "PNG"):
        return source_format
    return "PNG" if transparent else "JPEG"


def _encode(image: Image.Image, fmt: str, transparent: bool) -> bytes:
    if fmt == "JPEG":
        if image.mode not in ("L", "RGB"):
            image = image.convert("L" if image.mode == "LA" else "RGB")
    elif fmt == "WEBP":
        wanted = "RGBA" if transparent else "RGB"
        if image.mode != wanted:
            image = image.convert(wanted)
    image.info = {}  # strip EXIF, GPS, XMP, ICC, comments: nothing is carried over
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    else:
        image.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()


def make_renditions(
    data: bytes,
    specs: tuple[RenditionSpec, ...] = DEFAULT_RENDITIONS,
    max_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    *,
    policy: str = AUTO,
    formats: frozenset[str] = ALL_FORMATS,
    placeholder: bool = True,
    perceptual: bool = True,
) -> Renditions:
    """Every size in ``specs`` from one decode of ``data``; see the module's docstring.

    ImageIdentifyError / FileTypeNotSupported / ImageTooLarge (before any decoding) /
    ImageDecodeError like the rest of the library; sizes never upscale.
    """
    if policy not in POLICIES:
        raise ValueError(f"policy {policy!r} is not one of {POLICIES}")
    specs = _checked(tuple(specs))
    image = _open(data, max_pixels, complete=True)
    source_format = pipeline_format(image, formats)
    orientation, pending = displayed_orientation(image, read_exif(image))
    transpose = _TRANSPOSE.get(orientation or 1) if pending else None
    icc = image.info.get("icc_profile")
    stored = image.size
    displayed = (stored[1], stored[0]) if transpose and (orientation or 0) >= 5 else stored
    largest = max(spec.box for spec in specs)
    target = fit(stored, largest)
    try:
        if source_format == "JPEG" and target != stored:
            image.draft(image.mode if image.mode in ("RGB", "L") else None, target)
        image.load()
        image = _normalise(image)
        if image.size != target:
            image = image.resize(target, Image.Resampling.BICUBIC, reducing_gap=2.0)
        image = to_srgb(image, icc)
        if transpose is not None:
            image = image.transpose(transpose)
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(str(exc)) from exc
    except _RENDER_ERRORS as exc:
        raise ImageDecodeError(f"The image data is corrupt or truncated: {exc}") from exc
    transparent = _has_transparency(image)
    if not transparent and image.mode in ("LA", "RGBA"):
        image = image.convert("L" if image.mode == "LA" else "RGB")
    phash = None
    if perceptual:
        from image_pipeline.hashing import perceptual_hash

        phash = perceptual_hash(image)
    made: dict[str, Rendition] = {}
    fmt = _output_format(policy, source_format, transparent)
    current, encoded = image, b""
    for spec in sorted(specs, key=lambda spec: spec.box, reverse=True):
        size = fit(displayed, spec.box)
        if current.size != size or not encoded:  # each size reduced from the one before it
            if current.size != size:
                current = current.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)
            encoded = _encode(current, fmt, transparent)
        # A source smaller than several boxes gives them the same bytes (encoded once).
        made[spec.name] = Rendition(
            encoded, fmt, current.width, current.height, spec.name, spec.box
        )
    return Renditions(
        source_format=source_format,
        width=displayed[0],
        height=displayed[1],
        renditions=tuple(made[spec.name] for spec in specs),
        transparent=transparent,
        colour_profile=profile_name(icc),
        placeholder=blurhash_of(current) if placeholder else None,
        perceptual_hash=phash,
    )


def blurhash_of(image: Image.Image) -> str:
    """BlurHash (``blurhash`` package, pure Python) of ``image`` reduced to at most 32 x 32,
    transparency composited over white; 4 x 3 components (3 x 4 for a portrait image)."""
    import blurhash

    small = image.copy()
    small.thumbnail((PLACEHOLDER_BOX, PLACEHOLDER_BOX), Image.Resampling.BOX)
    if small.mode in ("LA", "RGBA"):
        background = Image.new("RGBA", small.size, (255, 255, 255, 255))
        background.alpha_composite(small.convert("RGBA"))
        small = background
    rgb = small.convert("RGB")
    width, height = rgb.size
    raw = rgb.tobytes()
    pixels = [raw[i : i + 3] for i in range(0, len(raw), 3)]
    rows = [pixels[y * width : (y + 1) * width] for y in range(height)]
    x, y = (4, 3) if width >= height else (3, 4)
    return str(blurhash.encode(rows, components_x=x, components_y=y))
