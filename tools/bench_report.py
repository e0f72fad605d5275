"""Reporting: the markdown tables and the goals, printed with PASS/MISS (never asserted)."""

from __future__ import annotations

import operator
import os
import sys
import time
from collections.abc import Callable

from bench_images import Case
from bench_imports import ImportResults
from bench_metadata import MetadataResult
from bench_setup import tool_versions
from bench_thumbnails import (
    BOX,
    DECODE_NAME,
    DRAFT_NAME,
    FLOOR_NAME,
    GM_NAME,
    NAIVE_NAME,
    OURS_NAME,
    PREVIEW,
    RENDITIONS_NAME,
    ToolResult,
)
from PIL import Image

FLOOR_RATIO_GOAL = 1.3
PREVIEW_DECODE_GOAL = 1.0  # the preview on top of the thumbnail: less than one more full decode
MEMORY_RATIO_GOAL = 10.0
METADATA_BYTES_GOAL = 64 * 1024
IMPORT_MS_GOAL = 150.0

Thumbs = dict[Case, dict[str, ToolResult]]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def section(title: str, intro: str, body: str) -> list[str]:
    return [f"## {title}", "", intro, "", body, ""]


def heading() -> list[str]:
    load = os.getloadavg()
    out = [
        "# Benchmarks (`make bench`)",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {os.cpu_count()} CPUs, load average "
        f"{load[0]:.2f} at the end; Python {sys.version.split()[0]}, Pillow "
        f"{Image.__version__}; {tool_versions()}.",
        "",
    ]
    if load[0] > (os.cpu_count() or 1) + 0.5:  # this benchmark itself counts for ~1
        out += [
            "**Other work was running (load average above the CPU count): wall times carry "
            "queueing; the CPU-time columns are the steadier figures.**",
            "",
        ]
    return out


def thumbnail_section(thumbs: Thumbs, repeats: int) -> list[str]:
    intro = (
        f"{repeats} rounds (after a warm-up), tools interleaved. `ms` is the median over rounds of "
        "wall time minus that round's start-up run: the same command on a 16x16 image of the "
        "same format, run just before (its median shown apart); "
        "`CPU ms` is user+sys, start-up excluded. Peak RSS is the child's own max RSS (GNU "
        "`time` %M), start-up included. `ours` is `image_pipeline.imaging.make_thumbnail` on "
        "the file's bytes; `make_renditions` is what generate_thumbnail runs (the "
        f"{BOX} px thumbnail and {PREVIEW} px preview from one decode, BlurHash and perceptual "
        "hash). A HEIF or WebP thumbnail is written as a JPEG by ours and the naive decode "
        "alike. `Pillow full decode only` is `Image.open` + `load()`; the JPEG floors are a "
        "1/8-scale DCT decode, Pillow's (`Image.draft`) and djpeg's. HEIF (pillow-heif) and "
        "WebP have no reduced decode: ours decodes them at full size, so a bare full decode "
        "is their floor; libheif decodes with pillow-heif's default threads in every "
        "Python run. GraphicsMagick runs with OMP_NUM_THREADS=1 (one core, like the others)."
    )
    rows = []
    for case, row in thumbs.items():
        base = row.get(FLOOR_NAME)
        for name, r in row.items():
            numbers = (r.ms, r.startup_ms, r.cpu_ms, r.rss_mib, r.startup_rss_mib)
            ratios = [f"{r.ms / base.ms:.2f}x", f"{r.cpu_ms / base.cpu_ms:.2f}x"] if base else []
            rows.append([case.label, name, *(f"{v:.0f}" for v in numbers), *(ratios or ["-"] * 2)])
    header = ["image", "tool", "ms", "start-up ms", "CPU ms", "peak RSS MiB"]
    header += ["start-up RSS MiB", "vs djpeg floor (ms)", "vs djpeg floor (CPU)"]
    return section(
        f"Thumbnail to {BOX} px (and the {PREVIEW} px preview)", intro, table(header, rows)
    )


def wall_and_cpu(
    ours: ToolResult,
    other: ToolResult,
    text: Callable[[float, float], str],
    ok: Callable[[float, float], bool],
) -> list[str]:
    """The measured and result cells for wall time, then those for CPU time."""
    pairs = ((ours.ms, other.ms), (ours.cpu_ms, other.cpu_ms))
    return [cell for a, b in pairs for cell in (text(a, b), verdict(ok(a, b)))]


def memory(ours: ToolResult, gm: ToolResult) -> tuple[float, str]:
    """GraphicsMagick's peak RSS over ours, and the cell: that, then both less start-up RSS."""
    ratio = gm.rss_mib / ours.rss_mib
    gm_above, ours_above = gm.rss_mib - gm.startup_rss_mib, ours.rss_mib - ours.startup_rss_mib
    text = (
        f"{ratio:.1f}x ({gm.rss_mib:.0f} vs {ours.rss_mib:.0f} MiB); above start-up "
        f"{gm_above / max(ours_above, 0.1):.0f}x ({gm_above:.0f} vs {ours_above:.0f} MiB)"
    )
    return ratio, text


def ratio_text(a: float, b: float, unit: str = "ms") -> str:
    """``"1.22x (79 vs 65 ms)"``: ``a / b`` and both."""
    return f"{a / b:.2f}x ({a:.0f} vs {b:.0f} {unit})"


def preview_cost(thumb: float, both: float, decode: float) -> float:
    """What the preview adds to the thumbnail (``both - thumb``) as a share of a full decode."""
    return (both - thumb) / decode


def preview_goal(label: str, row: dict[str, ToolResult]) -> list[str]:
    """Thumbnail + preview less the thumbnail alone, against a full decode (wall, then CPU)."""
    thumb, both, decode = row[OURS_NAME], row[RENDITIONS_NAME], row[DECODE_NAME]
    cells = []
    for attr in ("ms", "cpu_ms"):
        t, b, d = getattr(thumb, attr), getattr(both, attr), getattr(decode, attr)
        cost = preview_cost(t, b, d)
        cells += [
            f"{cost:.2f}x ({b:.0f} - {t:.0f} = {b - t:.0f} vs {d:.0f} ms)",
            verdict(cost < PREVIEW_DECODE_GOAL),
        ]
    return [f"{label}: the preview as well costs less than a second full decode", *cells]


def against_naive(label: str, name: str, ours: ToolResult, naive: ToolResult) -> list[str]:
    """Ours over the naive decode: time and peak RSS, then CPU time (no bound: info)."""
    rss = ratio_text(ours.rss_mib, naive.rss_mib, "MiB")
    wall = f"{ratio_text(ours.ms, naive.ms)}; peak RSS {rss}"
    goal = f"{label}: {name} / {NAIVE_NAME}"
    return [goal, wall, "info", ratio_text(ours.cpu_ms, naive.cpu_ms), "info"]


def thumbnail_goals(case: Case, row: dict[str, ToolResult]) -> list[list[str]]:
    ours, gm = row[OURS_NAME], row[GM_NAME]
    goals = []
    if FLOOR_NAME in row:
        near = wall_and_cpu(
            ours, row[FLOOR_NAME], ratio_text, lambda o, f: o / f <= FLOOR_RATIO_GOAL
        )
        goal = f"{case.label}: ours within {FLOOR_RATIO_GOAL}x of the djpeg floor"
        goals.append([goal, *near])
    if DRAFT_NAME in row:
        near = wall_and_cpu(
            ours, row[DRAFT_NAME], ratio_text, lambda o, f: o / f <= FLOOR_RATIO_GOAL
        )
        goal = f"{case.label}: thumbnail within {FLOOR_RATIO_GOAL}x of the Pillow draft 1/8 decode"
        goals.append([goal, *near])
    if RENDITIONS_NAME in row and DECODE_NAME in row and case.fmt == "JPEG":
        goals.append(preview_goal(case.label, row))
    ratio, mem_text = memory(ours, gm)
    if case.fmt == "JPEG":
        goal = f"{case.label}: peak memory {MEMORY_RATIO_GOAL:.0f}x below GraphicsMagick"
        return [*goals, [goal, mem_text, verdict(ratio >= MEMORY_RATIO_GOAL), "", ""]]
    if case.fmt != "PNG":  # HEIF, WebP: against the naive decode of the same file
        for name in (OURS_NAME, RENDITIONS_NAME):
            if name in row and NAIVE_NAME in row:
                goals.append(against_naive(case.label, name, row[name], row[NAIVE_NAME]))
        return goals
    faster = wall_and_cpu(
        ours, gm, lambda o, g: f"{o:.0f} vs {g:.0f} ms ({g / o:.2f}x)", operator.lt
    )
    return [
        *goals,
        [f"{case.label}: peak memory, GraphicsMagick / ours", mem_text, "info", "", ""],
        [f"{case.label}: ours faster than GraphicsMagick", *faster],
    ]


def import_goal(imports: ImportResults) -> list[str]:
    ms, cpu = imports.ms, imports.cpu_ms
    slowest, slowest_cpu = max(ms, key=ms.__getitem__), max(cpu, key=cpu.__getitem__)
    return [
        f"every handler imports in under {IMPORT_MS_GOAL:.0f} ms",
        f"slowest {slowest} {ms[slowest]:.0f} ms",
        verdict(ms[slowest] < IMPORT_MS_GOAL),
        f"slowest {slowest_cpu} {cpu[slowest_cpu]:.0f} ms",
        verdict(cpu[slowest_cpu] < IMPORT_MS_GOAL),
    ]


def goals_section(
    thumbs: Thumbs, metadata: list[MetadataResult], imports: ImportResults
) -> list[str]:
    goals = [goal for case, row in thumbs.items() for goal in thumbnail_goals(case, row)]
    goals += [
        [
            f"{m.case.label}: metadata reads {METADATA_BYTES_GOAL // 1024} KiB or less",
            f"{m.read:,} bytes",
            verdict(m.read <= METADATA_BYTES_GOAL),
            "",
            "",
        ]
        for m in metadata
        if m.fits
    ]
    goals.append(import_goal(imports))
    intro = (
        "Results use wall time (start-up excluded); the CPU-time result is beside it. "
        "Nothing here fails the run."
    )
    header = ["goal", "measured", "result", "measured (CPU)", "result (CPU)"]
    return section("Goals", intro, table(header, goals))


def metadata_section(metadata: list[MetadataResult]) -> list[str]:
    intro = (
        "`extract_metadata(S3Source(...))` against moto in-process; bytes are those returned by "
        "GetObject bodies (counted from a botocore `after-call.s3.GetObject` hook). `header` is "
        "where the JPEG scan / PNG image data starts."
    )
    rows = [
        [
            m.case.label,
            f"{m.size:,}",
            f"{m.header:,}",
            f"{m.read:,}",
            str(m.gets),
            f"{100 * m.read / m.size:.2f}%",
            "yes" if {"exifMake", "geo", "creationTime"} <= m.facts.keys() else "no",
            verdict(m.read <= METADATA_BYTES_GOAL) if m.fits else "n/a (header > 64 KiB)",
        ]
        for m in metadata
    ]
    header = ["image", "object bytes", "header bytes", "bytes read", "GETs", "read / size"]
    header += ["EXIF+GPS found", "goal"]
    return section("Metadata: bytes read from S3", intro, table(header, rows))


def imports_section(imports: ImportResults) -> list[str]:
    intro = (
        "Fresh `python -c 'import image_pipeline.handlers.<name>'`, median over "
        f"{imports.repeats} rounds of wall (and CPU) time minus that of a bare interpreter run "
        f"just before (`python -c pass`, median {imports.bare_ms:.0f} ms). "
        "Heaviest packages from `-X importtime` (cumulative ms, one run; image_pipeline "
        "itself and interpreter start-up left out)."
    )
    rows = [
        [
            n,
            f"{ms:.0f}",
            f"{imports.cpu_ms[n]:.0f}",
            imports.heaviest[n],
            verdict(ms < IMPORT_MS_GOAL),
        ]
        for n, ms in imports.ms.items()
    ]
    header = ["handler", "import ms", "CPU ms", "heaviest imports (ms)"]
    header.append(f"< {IMPORT_MS_GOAL:.0f} ms")
    return section("Handler import (cold start)", intro, table(header, rows))


def report(
    thumbs: Thumbs, metadata: list[MetadataResult], imports: ImportResults, repeats: int
) -> str:
    return "\n".join(
        heading()
        + thumbnail_section(thumbs, repeats)
        + goals_section(thumbs, metadata, imports)
        + metadata_section(metadata)
        + imports_section(imports)
    )
