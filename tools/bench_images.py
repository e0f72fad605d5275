"""Test images: smooth gradients plus per-pixel Gaussian noise, camera-like EXIF with a 40 KiB
maker note; generated once and cached under build/bench/. HEIC is written with pillow-heif
(libheif, x265), WebP with Pillow's libwebp."""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pillow_heif
from bench_setup import OUT
from PIL import Image, ImageChops

# Open (for the labels) and save HEIC, as image_pipeline.imaging registers it.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

CACHE_VERSION = "v1"  # bump when the generated images change
NOISE_SIGMA = 10  # ~8 MB at 24 MP and ~15 MB at 48 MP, quality 90
JPEG90 = {"format": "JPEG", "quality": 90}
HEIF90 = {"format": "HEIF", "quality": 90}
WEBP90 = {"format": "WEBP", "quality": 90}


@dataclass(frozen=True)
class Case:
    label: str
    path: Path
    fmt: str  # the pipeline's format: JPEG, PNG, HEIF or WEBP


def camera_exif(seed: int) -> bytes:
    """EXIF like a camera's: make, model, capture time, GPS and a 40 KiB maker note."""
    exif = Image.Exif()
    exif[0x010F] = "BenchCam"
    exif[0x0110] = "BC-1"
    exif[0x0112] = 1
    exif[0x0131] = "tools/bench.py"
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2026:11:25 12:00:00"
    sub[0x9011] = "+01:00"
    sub[0x927C] = random.Random(seed).randbytes(40 * 1024)
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (52.0, 22.0, 12.5), 3: "E", 4: (4.0, 53.0, 40.0)})
    return exif.tobytes()


def noisy_photo(width: int, height: int, sigma: float = NOISE_SIGMA) -> Image.Image:
    """Smooth gradients (a different one per channel) plus independent per-pixel noise."""
    size = (width, height)
    linear = Image.linear_gradient("L")
    bases = (
        linear.resize(size, Image.Resampling.BILINEAR),
        Image.radial_gradient("L").resize(size, Image.Resampling.BILINEAR),
        linear.rotate(90).resize(size, Image.Resampling.BILINEAR),
    )
    channels = [
        ImageChops.add(base, Image.effect_noise(size, sigma), scale=1.0, offset=-128)
        for base in bases
    ]
    return Image.merge("RGB", channels)


def _generate(size: tuple[int, int], saves: dict[Path, dict[str, Any]], what: str = "") -> None:
    """Save one noisy photo to each path not yet cached, with those ``Image.save`` arguments."""
    missing = {path: kwargs for path, kwargs in saves.items() if not path.exists()}
    if not missing:
        return
    if what:
        print(f"bench: generating {what} (once, cached)", file=sys.stderr)
    photo = noisy_photo(*size)
    for path, kwargs in missing.items():
        tmp = path.with_suffix(".tmp" + path.suffix)
        photo.save(tmp, **kwargs)
        tmp.replace(path)


def _label(path: Path, what: str) -> str:
    with Image.open(path) as im:
        mp = im.width * im.height / 1e6
    return f"{what} {mp:.0f} MP, {path.stat().st_size / 1e6:.1f} MB"


TINY = {"JPEG": "jpg", "PNG": "png", "HEIF": "heic", "WEBP": "webp"}  # format -> extension


def images() -> tuple[list[Case], list[Case], dict[str, Path]]:
    """(thumbnail cases, metadata-only cases, tiny start-up images by format)."""
    OUT.mkdir(parents=True, exist_ok=True)
    v = CACHE_VERSION
    p24, prog = OUT / f"photo-24mp-{v}.jpg", OUT / f"photo-24mp-progressive-{v}.jpg"
    p48, png = OUT / f"photo-48mp-{v}.jpg", OUT / f"image-12mp-{v}.png"
    big_header = OUT / f"photo-2mp-icc160k-{v}.jpg"
    tiny = {fmt: OUT / f"tiny.{ext}" for fmt, ext in TINY.items()}
    jpeg24 = {**JPEG90, "exif": camera_exif(24)}
    _generate((6000, 4000), {p24: jpeg24, prog: {**jpeg24, "progressive": True}}, "24 MP JPEGs")
    _generate((8000, 6000), {p48: {**JPEG90, "exif": camera_exif(48)}}, "the 48 MP JPEG")
    _generate((4000, 3000), {png: {"format": "PNG", "exif": camera_exif(12)}}, "the 12 MP PNG")
    icc = random.Random(2).randbytes(160 * 1024)
    _generate((1600, 1200), {big_header: {**JPEG90, "exif": camera_exif(2), "icc_profile": icc}})
    tiny_saves = {"JPEG": JPEG90, "PNG": {"format": "PNG"}, "HEIF": HEIF90, "WEBP": WEBP90}
    _generate((16, 16), {tiny[fmt]: tiny_saves[fmt] for fmt in TINY})
    cases = [
        Case(_label(p24, "JPEG"), p24, "JPEG"),
        Case(_label(p48, "JPEG"), p48, "JPEG"),
        Case(_label(prog, "progressive JPEG"), prog, "JPEG"),
        Case(_label(png, "PNG"), png, "PNG"),
    ]
    extra = [Case(_label(big_header, "JPEG, 160 KiB ICC profile,"), big_header, "JPEG")]
    return cases, extra, tiny


def format_cases() -> list[Case]:
    """The 12 MP HEIC and WebP thumbnail cases (not in the metadata or function benchmarks)."""
    v = CACHE_VERSION
    heic, webp = OUT / f"photo-12mp-{v}.heic", OUT / f"photo-12mp-{v}.webp"
    saves = {heic: {**HEIF90, "exif": camera_exif(12)}, webp: {**WEBP90, "exif": camera_exif(12)}}
    _generate((4000, 3000), saves, "the 12 MP HEIC and WebP (the HEIC takes ~15 s)")
    return [Case(_label(heic, "HEIC"), heic, "HEIF"), Case(_label(webp, "WebP"), webp, "WEBP")]
