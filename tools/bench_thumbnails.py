"""The measured contenders: ours (thumbnail alone, and every rendition as generate_thumbnail
makes them), Pillow full decode + resize, a bare Pillow full decode, GraphicsMagick and, for a
JPEG, two floors: a Pillow draft (1/8-scale DCT) decode and ``djpeg -scale 1/8``."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from bench_images import Case
from bench_measure import Pair, child_env, measure, median
from bench_setup import OUT
from image_pipeline.config import DEFAULT_MAX_IMAGE_PIXELS, DEFAULT_THUMBNAIL_SIZE
from image_pipeline.renditions import DEFAULT_RENDITIONS

BOX = DEFAULT_THUMBNAIL_SIZE
PREVIEW = max(spec.box for spec in DEFAULT_RENDITIONS)

OURS_NAME = "ours (make_thumbnail)"
RENDITIONS_NAME = "ours (make_renditions: thumbnail + preview)"
NAIVE_NAME = "Pillow full decode + resize"
DECODE_NAME = "Pillow full decode only"
GM_NAME = "gm convert -thumbnail"
DRAFT_NAME = "floor: Pillow draft 1/8 decode"
FLOOR_NAME = "floor: djpeg -scale 1/8"

OURS = f"""
import sys
from image_pipeline.imaging import make_thumbnail
with open(sys.argv[1], "rb") as fh:
    data = fh.read()
make_thumbnail(data, {BOX}, {DEFAULT_MAX_IMAGE_PIXELS})
"""

# What generate_thumbnail runs: the default renditions, AUTO format, BlurHash and perceptual hash.
RENDITIONS = f"""
import sys
from image_pipeline.renditions import make_renditions
with open(sys.argv[1], "rb") as fh:
    data = fh.read()
make_renditions(data, max_pixels={DEFAULT_MAX_IMAGE_PIXELS})
"""

# The plugin is registered (as image_pipeline.imaging does) only for a HEIF: the other formats'
# naive runs stay plain Pillow. A HEIF or WebP thumbnail is written as a JPEG, like ours.
_OPEN = """
import io, sys
from PIL import Image
if sys.argv[2] == "HEIF":
    import pillow_heif
    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
with open(sys.argv[1], "rb") as fh:
    data = fh.read()
image = Image.open(io.BytesIO(data))
"""

NAIVE = (
    _OPEN
    + f"""
fmt = image.format if image.format in ("JPEG", "PNG") else "JPEG"
image.load()
scale = min(1.0, {BOX} / max(image.size))
size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
image = image.resize(size, Image.Resampling.BICUBIC)
image.save(io.BytesIO(), fmt)
"""
)

DECODE = _OPEN + "image.load()\n"

# Image.draft picks the smallest DCT scale still covering the size asked: 1/8 here.
DRAFT = _OPEN + "image.draft('RGB', (image.width // 8, image.height // 8))\nimage.load()\n"


@dataclass
class ToolResult:
    ms: float  # median wall, start-up excluded
    startup_ms: float
    cpu_ms: float  # median CPU (user + sys), start-up excluded
    rss_mib: float  # median peak RSS of the child
    startup_rss_mib: float

    @classmethod
    def of(cls, pair: Pair) -> ToolResult:
        return cls(
            ms=pair.excess("wall_ms"),
            startup_ms=median(pair.startup, "wall_ms"),
            cpu_ms=pair.excess("cpu_ms"),
            rss_mib=median(pair.full, "rss_mib"),
            startup_rss_mib=median(pair.startup, "rss_mib"),
        )


def commands(path: Path, fmt: str) -> dict[str, list[str]]:
    """Each contender's command line for one image (the floors for JPEG only)."""
    python, gm, djpeg = sys.executable, shutil.which("gm"), shutil.which("djpeg")
    assert gm and djpeg
    gm_out = str(OUT / "out" / ("gm.png" if fmt == "PNG" else "gm.jpg"))
    cmds = {
        OURS_NAME: [python, "-c", OURS, str(path)],
        RENDITIONS_NAME: [python, "-c", RENDITIONS, str(path)],
        NAIVE_NAME: [python, "-c", NAIVE, str(path), fmt],
        DECODE_NAME: [python, "-c", DECODE, str(path), fmt],
        GM_NAME: [gm, "convert", "-thumbnail", f"{BOX}x{BOX}", str(path), gm_out],
    }
    if fmt == "JPEG":
        cmds[DRAFT_NAME] = [python, "-c", DRAFT, str(path), fmt]
        cmds[FLOOR_NAME] = [djpeg, "-scale", "1/8", str(path)]
    return cmds


def bench_thumbnails(
    cases: list[Case], tiny: dict[str, Path], repeats: int
) -> dict[Case, dict[str, ToolResult]]:
    """Every contender on every case, each paired with its run on the tiny image of that format."""
    (OUT / "out").mkdir(exist_ok=True)
    results = {}
    for case in cases:
        print(f"bench: thumbnails of {case.label}", file=sys.stderr)
        full, startup = commands(case.path, case.fmt), commands(tiny[case.fmt], case.fmt)
        pairs = measure(full, startup, child_env(), repeats)
        results[case] = {name: ToolResult.of(pair) for name, pair in pairs.items()}
    return results
