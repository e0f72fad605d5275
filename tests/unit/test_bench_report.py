"""tools/bench_report.py: the ratios and goal rows of `make bench` (no timing, no child runs)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bench_images import Case
from bench_report import (
    PREVIEW_DECODE_GOAL,
    against_naive,
    preview_cost,
    preview_goal,
    ratio_text,
    thumbnail_goals,
    thumbnail_section,
)
from bench_thumbnails import (
    DECODE_NAME,
    DRAFT_NAME,
    FLOOR_NAME,
    GM_NAME,
    NAIVE_NAME,
    OURS_NAME,
    RENDITIONS_NAME,
    ToolResult,
    commands,
)


def result(ms: float, rss: float = 30.0, cpu: float | None = None) -> ToolResult:
    cpu_ms = ms if cpu is None else cpu
    return ToolResult(ms=ms, startup_ms=50, cpu_ms=cpu_ms, rss_mib=rss, startup_rss_mib=18)


def jpeg_row(thumb: float, both: float, decode: float, draft: float) -> dict[str, ToolResult]:
    return {
        OURS_NAME: result(thumb, 27),
        RENDITIONS_NAME: result(both, 50),
        NAIVE_NAME: result(300, 120),
        DECODE_NAME: result(decode, 116),
        GM_NAME: result(200, 300),
        DRAFT_NAME: result(draft, 25),
        FLOOR_NAME: result(65, 2),
    }


def goal(rows: list[list[str]], text: str) -> list[str]:
    (found,) = [row for row in rows if text in row[0]]
    return found


JPEG = Case("JPEG 24 MP, 7.4 MB", Path("photo.jpg"), "JPEG")
HEIC = Case("HEIC 12 MP, 12.1 MB", Path("photo.heic"), "HEIF")


def test_ratio_text() -> None:
    assert ratio_text(79, 65) == "1.22x (79 vs 65 ms)"
    assert ratio_text(136, 131, "MiB") == "1.04x (136 vs 131 MiB)"


def test_preview_cost_is_the_extra_time_over_a_full_decode() -> None:
    assert preview_cost(thumb=100, both=150, decode=200) == pytest.approx(0.25)
    assert preview_cost(thumb=100, both=400, decode=200) == pytest.approx(1.5)


def test_preview_goal_passes_below_one_full_decode_and_misses_above() -> None:
    passing = preview_goal("JPEG", jpeg_row(thumb=80, both=120, decode=180, draft=70))
    assert passing[0] == "JPEG: the preview as well costs less than a second full decode"
    assert passing[1] == "0.22x (120 - 80 = 40 vs 180 ms)"
    assert passing[2] == passing[4] == "PASS"
    missing = preview_goal("JPEG", jpeg_row(thumb=80, both=300, decode=180, draft=70))
    assert missing[2] == "MISS"
    assert PREVIEW_DECODE_GOAL == 1.0


def test_preview_goal_uses_cpu_time_in_its_own_columns() -> None:
    row = jpeg_row(thumb=80, both=120, decode=180, draft=70)
    row[RENDITIONS_NAME] = result(120, 50, cpu=400)
    cells = preview_goal("JPEG", row)
    assert cells[2] == "PASS"
    assert cells[3].startswith("1.78x (400 - 80 = 320 vs 180 ms)")
    assert cells[4] == "MISS"


def test_jpeg_goals_hold_the_draft_floor_and_the_preview() -> None:
    rows = thumbnail_goals(JPEG, jpeg_row(thumb=80, both=120, decode=180, draft=70))
    draft = goal(rows, "of the Pillow draft 1/8 decode")
    assert draft[1:3] == ["1.14x (80 vs 70 ms)", "PASS"]
    slow = thumbnail_goals(JPEG, jpeg_row(thumb=100, both=120, decode=180, draft=70))
    assert goal(slow, "of the Pillow draft 1/8 decode")[2] == "MISS"  # 1.43x > 1.3x
    assert goal(rows, "djpeg floor")[1] == "1.23x (80 vs 65 ms)"
    assert goal(rows, "second full decode")[2] == "PASS"
    assert not [row for row in rows if NAIVE_NAME in row[0]]


def test_heif_goals_compare_with_the_naive_decode_for_information() -> None:
    row = {
        OURS_NAME: result(1080, 136),
        RENDITIONS_NAME: result(1100, 136),
        NAIVE_NAME: result(1060, 131),
        DECODE_NAME: result(1000, 131),
        GM_NAME: result(1160, 233),
    }
    rows = thumbnail_goals(HEIC, row)
    assert [r[0] for r in rows] == [
        f"HEIC 12 MP, 12.1 MB: {OURS_NAME} / {NAIVE_NAME}",
        f"HEIC 12 MP, 12.1 MB: {RENDITIONS_NAME} / {NAIVE_NAME}",
    ]
    assert rows[0][1] == "1.02x (1080 vs 1060 ms); peak RSS 1.04x (136 vs 131 MiB)"
    assert rows[0][2] == rows[0][4] == "info"
    assert against_naive(HEIC.label, OURS_NAME, row[OURS_NAME], row[NAIVE_NAME]) == rows[0]


def test_thumbnail_table_has_floor_ratios_for_jpeg_only() -> None:
    heic = {OURS_NAME: result(1080, 136), NAIVE_NAME: result(1060, 131)}
    jpeg = jpeg_row(thumb=80, both=120, decode=180, draft=70)
    text = "\n".join(thumbnail_section({JPEG: jpeg, HEIC: heic}, repeats=7))
    assert "## Thumbnail to 250 px (and the 1280 px preview)" in text
    lines = text.splitlines()
    assert f"| {JPEG.label} | {DRAFT_NAME} | 70 | 50 | 70 | 25 | 18 | 1.08x | 1.08x |" in lines
    assert f"| {HEIC.label} | {OURS_NAME} | 1080 | 50 | 1080 | 136 | 18 | - | - |" in lines


@pytest.mark.skipif(not (shutil.which("gm") and shutil.which("djpeg")), reason="gm, djpeg")
def test_contenders_by_format() -> None:
    both = [OURS_NAME, RENDITIONS_NAME, NAIVE_NAME, DECODE_NAME, GM_NAME]
    assert list(commands(Path("a.jpg"), "JPEG")) == [*both, DRAFT_NAME, FLOOR_NAME]
    for fmt in ("PNG", "HEIF", "WEBP"):
        assert list(commands(Path("a"), fmt)) == both
    assert commands(Path("a.heic"), "HEIF")[NAIVE_NAME][-1] == "HEIF"  # registers pillow-heif
    assert commands(Path("a.heic"), "HEIF")[GM_NAME][-1].endswith("gm.jpg")
