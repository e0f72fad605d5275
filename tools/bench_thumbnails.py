"""The measured contenders: ours, Pillow full decode, GraphicsMagick and the djpeg floor."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from bench_images import Case
from bench_measure import Pair, child_env, measure, median
from bench_setup import OUT
from image_pipeline.config import DEFAULT_MAX_IMAGE_PIXELS, DEFAULT_THUMBNAIL_SIZE

BOX = DEFAULT_THUMBNAIL_SIZE

OURS_NAME = "ours (make_thumbnail)"
NAIVE_NAME = "Pillow full decode + resize"
GM_NAME = "gm convert -thumbnail"
FLOOR_NAME = "floor: djpeg -scale 1/8"

OURS = f"""
import sys
from image_pipeline.imaging import make_thumbnail
with open(sys.argv[1], "rb") as fh:
    data = fh.read()
make_thumbnail(data, {BOX}, {DEFAULT_MAX_IMAGE_PIXELS})
"""

NAIVE = f"""
import io, sys
from PIL import Image
with open(sys.argv[1], "rb") as fh:
    data = fh.read()
image = Image.open(io.BytesIO(data))
fmt = image.format
image.load()
scale = min(1.0, {BOX} / max(image.size))
size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
image = image.resize(size, Image.Resampling.BICUBIC)
image.save(io.BytesIO(), fmt)
"""


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
    """Each contender's command line for one image (the floor for JPEG only)."""
    python, gm, djpeg = sys.executable, shutil.which("gm"), shutil.which("djpeg")
    assert gm and djpeg
    gm_out = str(OUT / "out" / ("gm.jpg" if fmt == "JPEG" else "gm.png"))
    cmds = {
        OURS_NAME: [python, "-c", OURS, str(path)],
        NAIVE_NAME: [python, "-c", NAIVE, str(path)],
        GM_NAME: [gm, "convert", "-thumbnail", f"{BOX}x{BOX}", str(path), gm_out],
    }
    if fmt == "JPEG":
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
