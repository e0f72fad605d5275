"""Cold start: a fresh interpreter importing each handler, minus a bare interpreter run."""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
from dataclasses import dataclass

from bench_measure import child_env, measure
from bench_setup import LAMBDA_SRC


@dataclass
class ImportResults:
    bare_ms: float
    ms: dict[str, float]  # wall, bare interpreter excluded
    cpu_ms: dict[str, float]  # CPU, bare interpreter excluded
    heaviest: dict[str, str]
    repeats: int


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


def _importtime(argv: list[str], env: dict[str, str]) -> str:
    """The ``-X importtime`` report of one run of ``python -c ...``."""
    run = [argv[0], "-X", "importtime", *argv[1:]]
    return subprocess.run(run, env=env, capture_output=True, text=True, check=True).stderr


def bench_imports(repeats: int) -> ImportResults:
    """Each handler imported by a fresh interpreter, paired with a bare one run just before."""
    python = sys.executable
    env = {**child_env(), "POWERTOOLS_TRACE_DISABLED": "true"}
    names = handler_names()
    imports = {n: [python, "-c", f"import image_pipeline.handlers.{n}"] for n in names}
    pairs = measure(imports, {n: [python, "-c", "pass"] for n in names}, env, repeats)
    return ImportResults(
        bare_ms=statistics.median(s.wall_ms for p in pairs.values() for s in p.startup),
        ms={n: p.excess("wall_ms") for n, p in pairs.items()},
        cpu_ms={n: p.excess("cpu_ms") for n, p in pairs.items()},
        heaviest={n: heaviest_imports(_importtime(argv, env)) for n, argv in imports.items()},
        repeats=repeats,
    )
