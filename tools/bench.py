#!/usr/bin/env python3
"""Thumbnail, metadata and cold-start benchmarks, with their baselines measured in the same run.

`make bench` runs this. It prints markdown tables and writes them to build/bench/results.md.

- Thumbnails: the library's own ``image_pipeline.imaging.make_thumbnail`` (what the
  generate_thumbnail Lambda calls) in a child process, against a naive Pillow full decode +
  resize, ``gm convert -thumbnail 250x250`` (GraphicsMagick, the original's approach) and the
  floor, a bare 1/8-scale decode (``djpeg -scale 1/8``). Every tool is one child process; its
  start-up is the same command on a 16x16 image of the same format, run just before it in each
  round and subtracted (median of the per-round differences). Peak RSS is the child's own max
  RSS as GNU time reports it; CPU time (user+sys) is shown beside wall time.
- Metadata: ``image_pipeline.imaging.extract_metadata`` over ``S3Source`` (what the
  extract_metadata Lambda calls) against moto in-process; bytes returned by GetObject are
  counted by wrapping each response body from a botocore event hook.
- Cold start: a fresh interpreter importing each handler, minus a bare interpreter run just
  before it in each round.

Test images are generated once (smooth gradients plus per-pixel Gaussian noise, camera-like
EXIF with a 40 KiB maker note) and cached under build/bench/. Goals are printed with PASS/MISS;
a MISS never fails the run.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAMBDA_SRC = ROOT / "lambda_src"
OUT = ROOT / "build" / "bench"
sys.path.insert(0, str(LAMBDA_SRC))

from image_pipeline.config import DEFAULT_MAX_IMAGE_PIXELS, DEFAULT_THUMBNAIL_SIZE  # noqa: E402
from image_pipeline.sources import PREFIX_BYTES  # noqa: E402
from PIL import Image, ImageChops  # noqa: E402

BOX = DEFAULT_THUMBNAIL_SIZE
CACHE_VERSION = "v1"  # bump when the generated images change
NOISE_SIGMA = 10  # ~8 MB at 24 MP and ~15 MB at 48 MP, quality 90

# Goals (printed beside the numbers, never asserted).
FLOOR_RATIO_GOAL = 1.3
MEMORY_RATIO_GOAL = 10.0
METADATA_BYTES_GOAL = 64 * 1024
IMPORT_MS_GOAL = 150.0

TIME = "/usr/bin/time"  # GNU time, for the peak RSS of one child
TOOLS = {"gm": "graphicsmagick", "djpeg": "libjpeg-turbo-progs", "time": "time"}

OURS = f"""
import sys
from image_pipeline.imaging import make_thumbnail
with open(sys.argv[1], "rb") as fh:
    data = fh.read()
make_thumbnail(data, {BOX}, {DEFAULT_MAX_IMAGE_PIXELS})
"""

OURS_NAME = "ours (make_thumbnail)"
NAIVE_NAME = "Pillow full decode + resize"
GM_NAME = "gm convert -thumbnail"
FLOOR_NAME = "floor: djpeg -scale 1/8"

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


# --------------------------------------------------------------------------- set-up


def _missing_packages() -> list[str]:
    def found(tool: str) -> bool:
        return os.access(TIME, os.X_OK) if tool == "time" else bool(shutil.which(tool))

    return sorted({pkg for tool, pkg in TOOLS.items() if not found(tool)})


def ensure_tools() -> None:
    """Install gm and djpeg with apt-get when running as root; otherwise say what is missing."""
    missing = _missing_packages()
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-q", *missing]
        print(f"bench: installing {' '.join(missing)} with apt-get", file=sys.stderr)
        if subprocess.run(install, env=env, check=False).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, check=False)
            subprocess.run(install, env=env, check=False)
        missing = _missing_packages()
    if missing:
        tools = ", ".join(t for t, p in TOOLS.items() if p in missing)
        sys.exit(
            f"bench: {tools} not found; install with (Debian/Ubuntu): "
            f"sudo apt-get install -y {' '.join(missing)}"
        )


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


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    path: Path
    fmt: str  # JPEG or PNG


def _cached(path: Path, make: Callable[[Path], None]) -> Path:
    if not path.exists():
        tmp = path.with_suffix(".tmp" + path.suffix)
        make(tmp)
        tmp.replace(path)
    return path


def images() -> tuple[list[Case], list[Case], dict[str, Path]]:
    """(thumbnail cases, metadata-only cases, tiny start-up images by format)."""
    OUT.mkdir(parents=True, exist_ok=True)
    v = CACHE_VERSION
    p24 = OUT / f"photo-24mp-{v}.jpg"
    prog = OUT / f"photo-24mp-progressive-{v}.jpg"
    p48 = OUT / f"photo-48mp-{v}.jpg"
    png = OUT / f"image-12mp-{v}.png"
    big_header = OUT / f"photo-2mp-icc160k-{v}.jpg"
    if not (p24.exists() and prog.exists()):
        print("bench: generating 24 MP JPEGs (once, cached)", file=sys.stderr)
        photo = noisy_photo(6000, 4000)
        exif = camera_exif(24)
        _cached(p24, lambda p: photo.save(p, "JPEG", quality=90, exif=exif))
        _cached(prog, lambda p: photo.save(p, "JPEG", quality=90, exif=exif, progressive=True))
        del photo
    if not p48.exists():
        print("bench: generating the 48 MP JPEG (once, cached)", file=sys.stderr)
        _cached(
            p48, lambda p: noisy_photo(8000, 6000).save(p, "JPEG", quality=90, exif=camera_exif(48))
        )
    if not png.exists():
        print("bench: generating the 12 MP PNG (once, cached)", file=sys.stderr)
        _cached(png, lambda p: noisy_photo(4000, 3000).save(p, "PNG", exif=camera_exif(12)))
    _cached(
        big_header,
        lambda p: noisy_photo(1600, 1200).save(
            p,
            "JPEG",
            quality=90,
            exif=camera_exif(2),
            icc_profile=random.Random(2).randbytes(160 * 1024),
        ),
    )
    tiny = {
        "JPEG": _cached(
            OUT / "tiny.jpg", lambda p: noisy_photo(16, 16).save(p, "JPEG", quality=90)
        ),
        "PNG": _cached(OUT / "tiny.png", lambda p: noisy_photo(16, 16).save(p, "PNG")),
    }

    def label(path: Path, what: str) -> str:
        with Image.open(path) as im:
            mp = im.width * im.height / 1e6
        return f"{what} {mp:.0f} MP, {path.stat().st_size / 1e6:.1f} MB"

    cases = [
        Case("jpeg24", label(p24, "JPEG"), p24, "JPEG"),
        Case("jpeg48", label(p48, "JPEG"), p48, "JPEG"),
        Case("prog24", label(prog, "progressive JPEG"), prog, "JPEG"),
        Case("png12", label(png, "PNG"), png, "PNG"),
    ]
    extra = [Case("bighdr", label(big_header, "JPEG, 160 KiB ICC profile,"), big_header, "JPEG")]
    return cases, extra, tiny


# ---------------------------------------------------------------------- measurement


@dataclass
class Sample:
    wall_ms: float
    cpu_ms: float
    rss_mib: float


@dataclass
class Series:
    samples: list[Sample] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in self.samples)


CHILD_STDERR = OUT / "child.stderr"
CHILD_RSS = OUT / "child.rss"


def run_child(argv: list[str], env: dict[str, str]) -> Sample:
    """Run one child: wall time from spawn to reap, CPU time, and the peak RSS of that child alone.

    The child is started by GNU time, which reports its ``%M``: on Linux a child spawned
    straight from this (large) Python process would report our own high-water RSS, since
    fork copies the page tables and vfork shares the address space until exec.
    CPU time is the time process's (precise, includes its child; time itself costs ~1 ms).
    """
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, str(CHILD_STDERR), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    wrapped = [TIME, "-f", "%M", "-o", str(CHILD_RSS), *argv]
    start = time.perf_counter()
    pid = os.posix_spawn(TIME, wrapped, env, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(
            f"bench: {' '.join(argv[:4])} ... exited {code}:\n"
            + CHILD_STDERR.read_text(errors="replace")[-2000:]
        )
    rss_kib = int(CHILD_RSS.read_text().split()[-1])
    return Sample(wall * 1000, (usage.ru_utime + usage.ru_stime) * 1000, rss_kib / 1024)


def measure(commands: dict[str, list[str]], env: dict[str, str], repeats: int) -> dict[str, Series]:
    """One warm-up run each, then ``repeats`` rounds, interleaved so load hits all alike."""
    for argv in commands.values():
        run_child(argv, env)
    series = {name: Series() for name in commands}
    for _ in range(repeats):
        for name, argv in commands.items():
            series[name].samples.append(run_child(argv, env))
    return series


def paired_median(full: Series, startup: Series, attr: str) -> float:
    """Median over rounds of (full run - its start-up run): steadier than a difference of
    medians when other work on the machine comes and goes."""
    return statistics.median(
        getattr(a, attr) - getattr(b, attr)
        for a, b in zip(full.samples, startup.samples, strict=True)
    )


def child_env() -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(LAMBDA_SRC),
        "OMP_NUM_THREADS": "1",  # GraphicsMagick's OpenMP: one core, like ours
        "LC_ALL": "C",
    }


@dataclass
class ToolResult:
    tool: str
    ms: float  # median wall, start-up excluded
    startup_ms: float
    cpu_ms: float  # median CPU (user + sys), start-up excluded
    rss_mib: float  # median peak RSS of the child
    startup_rss_mib: float


def bench_thumbnails(cases: list[Case], tiny: dict[str, Path], repeats: int) -> dict:
    python = sys.executable
    gm, djpeg = shutil.which("gm"), shutil.which("djpeg")
    assert gm and djpeg
    scratch = OUT / "out"
    scratch.mkdir(exist_ok=True)
    env = child_env()
    results: dict[str, dict[str, ToolResult]] = {}
    for case in cases:
        print(f"bench: thumbnails of {case.label}", file=sys.stderr)

        def commands(path: Path, fmt: str = case.fmt) -> dict[str, list[str]]:
            ext = ".jpg" if fmt == "JPEG" else ".png"
            gm_out = str(scratch / f"gm{ext}")
            cmds = {
                OURS_NAME: [python, "-c", OURS, str(path)],
                NAIVE_NAME: [python, "-c", NAIVE, str(path)],
                GM_NAME: [gm, "convert", "-thumbnail", f"{BOX}x{BOX}", str(path), gm_out],
            }
            if fmt == "JPEG":
                cmds[FLOOR_NAME] = [djpeg, "-scale", "1/8", str(path)]
            return cmds

        full = commands(case.path)
        start = commands(tiny[case.fmt])
        paired: dict[str, list[str]] = {}
        for name, argv in full.items():  # each start-up run right before its full run
            paired[f"{name} @start-up"] = start[name]
            paired[name] = argv
        series = measure(paired, env, repeats)
        row: dict[str, ToolResult] = {}
        for name in full:
            s, s0 = series[name], series[f"{name} @start-up"]
            row[name] = ToolResult(
                tool=name,
                ms=paired_median(s, s0, "wall_ms"),
                startup_ms=s0.median("wall_ms"),
                cpu_ms=paired_median(s, s0, "cpu_ms"),
                rss_mib=s.median("rss_mib"),
                startup_rss_mib=s0.median("rss_mib"),
            )
        results[case.key] = row
    return results


# ------------------------------------------------------------------------- metadata


@dataclass
class MetadataResult:
    case: Case
    size: int
    read: int
    gets: int
    fits: bool
    facts: dict


def header_end(path: Path) -> int:
    """Where the header ends: JPEG start-of-scan, PNG first IDAT (what a reader must see)."""
    data = path.read_bytes()[: 4 * 1024 * 1024]
    if data.startswith(b"\x89PNG"):
        return data.find(b"IDAT") - 4
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:
            return pos
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return len(data)


def bench_metadata(cases: list[Case]) -> list[MetadataResult]:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        os.environ.pop(name, None)
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )
    from image_pipeline import clients
    from image_pipeline.imaging import extract_metadata
    from image_pipeline.sources import S3Source
    from moto import mock_aws

    counted = {"bytes": 0, "gets": 0}

    class CountingBody:
        def __init__(self, body) -> None:
            self._body = body

        def read(self, *args, **kwargs) -> bytes:
            data = self._body.read(*args, **kwargs)
            counted["bytes"] += len(data)
            return data

        def __getattr__(self, name: str):
            return getattr(self._body, name)

    def on_get_object(parsed: dict, **_: object) -> None:
        counted["gets"] += 1
        if "Body" in parsed:
            parsed["Body"] = CountingBody(parsed["Body"])

    results = []
    with mock_aws():
        clients.reset()
        s3 = clients.client("s3")
        s3.create_bucket(Bucket="bench")
        s3.meta.events.register("after-call.s3.GetObject", on_get_object)
        for case in cases:
            key = f"Incoming/{case.path.name}"
            s3.put_object(Bucket="bench", Key=key, Body=case.path.read_bytes())
            counted.update(bytes=0, gets=0)
            facts = extract_metadata(S3Source("bench", key), DEFAULT_MAX_IMAGE_PIXELS)
            results.append(
                MetadataResult(
                    case,
                    case.path.stat().st_size,
                    counted["bytes"],
                    counted["gets"],
                    header_end(case.path) <= PREFIX_BYTES,
                    facts,
                )
            )
        clients.reset()
    return results


# ----------------------------------------------------------------------- cold start


def handler_names() -> list[str]:
    folder = LAMBDA_SRC / "image_pipeline" / "handlers"
    return sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")


def heaviest_imports(importtime: str, count: int = 3) -> str:
    """The packages (outside image_pipeline and interpreter start-up) costing most, cumulative."""
    cost: dict[str, int] = {}
    for line in importtime.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| *(\S+)", line)
        if not m:
            continue
        package = m.group(2).split(".")[0]
        if package not in ("image_pipeline", "site", "encodings"):
            cost[package] = max(cost.get(package, 0), int(m.group(1)))
    ranked = sorted(cost.items(), key=lambda kv: -kv[1])[:count]
    return ", ".join(f"{package} {us / 1000:.0f}" for package, us in ranked)


@dataclass
class ImportResults:
    bare_ms: float
    ms: dict[str, float]  # wall, bare interpreter excluded
    cpu_ms: dict[str, float]  # CPU, bare interpreter excluded
    heaviest: dict[str, str]
    repeats: int


def bench_imports(repeats: int) -> ImportResults:
    """Each handler imported by a fresh interpreter, paired with a bare one run just before."""
    python = sys.executable
    env = {**child_env(), "POWERTOOLS_TRACE_DISABLED": "true"}
    commands = {}
    for name in handler_names():
        commands[f"{name} @bare"] = [python, "-c", "pass"]
        commands[name] = [python, "-c", f"import image_pipeline.handlers.{name}"]
    series = measure(commands, env, repeats)
    names = handler_names()
    bare = statistics.median(
        sample.wall_ms for name in names for sample in series[f"{name} @bare"].samples
    )
    heaviest = {}
    for name in names:
        proc = subprocess.run(
            [python, "-X", "importtime", "-c", f"import image_pipeline.handlers.{name}"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        heaviest[name] = heaviest_imports(proc.stderr)
    return ImportResults(
        bare_ms=bare,
        ms={n: paired_median(series[n], series[f"{n} @bare"], "wall_ms") for n in names},
        cpu_ms={n: paired_median(series[n], series[f"{n} @bare"], "cpu_ms") for n in names},
        heaviest=heaviest,
        repeats=repeats,
    )


# -------------------------------------------------------------------------- report


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def report(cases, thumbs, metadata, imports, repeats: int) -> str:
    by_key = {c.key: c for c in cases}
    ours, gm, floor = OURS_NAME, GM_NAME, FLOOR_NAME
    load = os.getloadavg()
    busy = load[0] > (os.cpu_count() or 1) + 0.5  # this benchmark itself counts for ~1
    out = [
        "# Benchmarks (`make bench`)",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {os.cpu_count()} CPUs, load average "
        f"{load[0]:.2f} at the end; Python {sys.version.split()[0]}, Pillow "
        f"{Image.__version__}; {gm_version()}; {djpeg_version()}.",
        "",
    ]
    if busy:
        out += [
            "**Other work was running (load average above the CPU count): wall times carry "
            "queueing; "
            "the CPU-time columns are the steadier figures.**",
            "",
        ]
    out += [
        f"## Thumbnail to {BOX} px",
        "",
        f"{repeats} rounds (after a warm-up), tools interleaved. `ms` is the median over rounds of "
        "wall time minus that round's start-up run: the same command on a 16x16 image of the "
        "same format, run just before (its median shown apart); "
        "`CPU ms` is user+sys, start-up excluded. Peak RSS is the child's own max RSS (GNU "
        "`time` %M), start-up included. `ours` is `image_pipeline.imaging.make_thumbnail` on "
        "the file's bytes, as generate_thumbnail calls it. GraphicsMagick runs with "
        "OMP_NUM_THREADS=1 (one core, like the others).",
        "",
    ]
    rows = []
    for key, row in thumbs.items():
        base = row.get(floor)
        for name, r in row.items():
            rows.append(
                [
                    by_key[key].label,
                    name,
                    f"{r.ms:.0f}",
                    f"{r.startup_ms:.0f}",
                    f"{r.cpu_ms:.0f}",
                    f"{r.rss_mib:.0f}",
                    f"{r.startup_rss_mib:.0f}",
                    f"{r.ms / base.ms:.2f}x" if base else "-",
                    f"{r.cpu_ms / base.cpu_ms:.2f}x" if base else "-",
                ]
            )
    header = ["image", "tool", "ms", "start-up ms", "CPU ms", "peak RSS MiB"]
    header += ["start-up RSS MiB", "vs floor (ms)", "vs floor (CPU)"]
    out += [
        table(header, rows),
        "",
        "## Goals",
        "",
        "Results use wall time (start-up excluded); the CPU-time result is beside it. "
        "Nothing here fails the run.",
        "",
    ]
    goals = []
    for key, row in thumbs.items():
        label = by_key[key].label
        o = row[ours]
        if floor in row:
            f = row[floor]
            goals.append(
                [
                    f"{label}: ours within {FLOOR_RATIO_GOAL}x of the floor",
                    f"{o.ms / f.ms:.2f}x ({o.ms:.0f} vs {f.ms:.0f} ms)",
                    verdict(o.ms / f.ms <= FLOOR_RATIO_GOAL),
                    f"{o.cpu_ms / f.cpu_ms:.2f}x ({o.cpu_ms:.0f} vs {f.cpu_ms:.0f} ms)",
                    verdict(o.cpu_ms / f.cpu_ms <= FLOOR_RATIO_GOAL),
                ]
            )
        g = row[gm]
        mem = g.rss_mib / o.rss_mib
        above = (g.rss_mib - g.startup_rss_mib) / max(o.rss_mib - o.startup_rss_mib, 0.1)
        mem_text = (
            f"{mem:.1f}x ({g.rss_mib:.0f} vs {o.rss_mib:.0f} MiB); above start-up {above:.0f}x "
            f"({g.rss_mib - g.startup_rss_mib:.0f} vs {o.rss_mib - o.startup_rss_mib:.0f} MiB)"
        )
        if by_key[key].fmt == "JPEG":
            goals.append(
                [
                    f"{label}: peak memory {MEMORY_RATIO_GOAL:.0f}x below GraphicsMagick",
                    mem_text,
                    verdict(mem >= MEMORY_RATIO_GOAL),
                    "",
                    "",
                ]
            )
        else:
            goals.append([f"{label}: peak memory, GraphicsMagick / ours", mem_text, "info", "", ""])
            goals.append(
                [
                    f"{label}: ours faster than GraphicsMagick",
                    f"{o.ms:.0f} vs {g.ms:.0f} ms ({g.ms / o.ms:.2f}x)",
                    verdict(o.ms < g.ms),
                    f"{o.cpu_ms:.0f} vs {g.cpu_ms:.0f} ms ({g.cpu_ms / o.cpu_ms:.2f}x)",
                    verdict(o.cpu_ms < g.cpu_ms),
                ]
            )
    for m in metadata:
        if m.fits:
            goals.append(
                [
                    f"{m.case.label}: metadata reads {METADATA_BYTES_GOAL // 1024} KiB or less",
                    f"{m.read:,} bytes",
                    verdict(m.read <= METADATA_BYTES_GOAL),
                    "",
                    "",
                ]
            )
    import_ms, import_cpu = imports.ms, imports.cpu_ms
    slowest = max(import_ms, key=import_ms.get)
    slowest_cpu = max(import_cpu, key=import_cpu.get)
    goals.append(
        [
            f"every handler imports in under {IMPORT_MS_GOAL:.0f} ms",
            f"slowest {slowest} {import_ms[slowest]:.0f} ms",
            verdict(import_ms[slowest] < IMPORT_MS_GOAL),
            f"slowest {slowest_cpu} {import_cpu[slowest_cpu]:.0f} ms",
            verdict(import_cpu[slowest_cpu] < IMPORT_MS_GOAL),
        ]
    )
    out += [table(["goal", "measured", "result", "measured (CPU)", "result (CPU)"], goals), ""]

    out += [
        "## Metadata: bytes read from S3",
        "",
        "`extract_metadata(S3Source(...))` against moto in-process; bytes are those returned by "
        "GetObject bodies (counted from a botocore `after-call.s3.GetObject` hook). `header` is "
        "where the JPEG scan / PNG image data starts.",
        "",
    ]
    rows = []
    for m in metadata:
        rows.append(
            [
                m.case.label,
                f"{m.size:,}",
                f"{header_end(m.case.path):,}",
                f"{m.read:,}",
                str(m.gets),
                f"{100 * m.read / m.size:.2f}%",
                "yes" if {"exifMake", "geo", "creationTime"} <= m.facts.keys() else "no",
                verdict(m.read <= METADATA_BYTES_GOAL) if m.fits else "n/a (header > 64 KiB)",
            ]
        )
    out += [
        table(
            [
                "image",
                "object bytes",
                "header bytes",
                "bytes read",
                "GETs",
                "read / size",
                "EXIF+GPS found",
                "goal",
            ],
            rows,
        ),
        "",
    ]

    out += [
        "## Handler import (cold start)",
        "",
        "Fresh `python -c 'import image_pipeline.handlers.<name>'`, median over "
        f"{imports.repeats} rounds of wall (and CPU) time minus that of a bare interpreter run "
        f"just before (`python -c pass`, median {imports.bare_ms:.0f} ms). "
        "Heaviest packages from `-X importtime` (cumulative ms, one run; image_pipeline "
        "itself and interpreter start-up left out).",
        "",
        table(
            [
                "handler",
                "import ms",
                "CPU ms",
                "heaviest imports (ms)",
                f"< {IMPORT_MS_GOAL:.0f} ms",
            ],
            [
                [
                    n,
                    f"{ms:.0f}",
                    f"{imports.cpu_ms[n]:.0f}",
                    imports.heaviest[n],
                    verdict(ms < IMPORT_MS_GOAL),
                ]
                for n, ms in imports.ms.items()
            ],
        ),
        "",
    ]
    return "\n".join(out)


def gm_version() -> str:
    first = subprocess.run(["gm", "version"], capture_output=True, text=True).stdout.split("\n")[0]
    return " ".join(first.split()[:2])


def djpeg_version() -> str:
    text = subprocess.run(["djpeg", "-version"], capture_output=True, text=True).stderr
    return "djpeg (" + text.strip().split("\n")[0] + ")"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs per measurement (median)")
    args = parser.parse_args(argv)
    ensure_tools()
    began = time.perf_counter()
    cases, extra, tiny = images()
    thumbs = bench_thumbnails(cases, tiny, args.repeats)
    print("bench: metadata against moto", file=sys.stderr)
    metadata = bench_metadata(cases + extra)
    print("bench: handler imports", file=sys.stderr)
    imports = bench_imports(max(args.repeats, 7))
    text = report(cases, thumbs, metadata, imports, args.repeats)
    (OUT / "results.md").write_text(text + "\n")
    print(text)
    print(
        f"\n(written to {(OUT / 'results.md').relative_to(ROOT)}; took "
        f"{time.perf_counter() - began:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
