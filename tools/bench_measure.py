"""Measurement: wall time, CPU time and peak RSS of one child process, in paired rounds."""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import dataclass, field

from bench_setup import LAMBDA_SRC, OUT, TIME

CHILD_STDERR = OUT / "child.stderr"
CHILD_RSS = OUT / "child.rss"


@dataclass
class Sample:
    wall_ms: float
    cpu_ms: float
    rss_mib: float


def median(samples: list[Sample], attr: str) -> float:
    return statistics.median(getattr(s, attr) for s in samples)


@dataclass
class Pair:
    """One command's samples and its start-up run's, the start-up run just before it each round."""

    full: list[Sample] = field(default_factory=list)
    startup: list[Sample] = field(default_factory=list)

    def excess(self, attr: str) -> float:
        """Median over rounds of (full run - its start-up run): steadier than a difference of
        medians when other work on the machine comes and goes."""
        pairs = zip(self.full, self.startup, strict=True)
        return statistics.median(getattr(a, attr) - getattr(b, attr) for a, b in pairs)


def child_env() -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(LAMBDA_SRC),
        "OMP_NUM_THREADS": "1",  # GraphicsMagick's OpenMP: one core, like ours
        "LC_ALL": "C",
    }


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


def measure(
    full: dict[str, list[str]], startup: dict[str, list[str]], env: dict[str, str], repeats: int
) -> dict[str, Pair]:
    """Each command with its start-up command (same name) run just before it: one warm-up run
    each, then ``repeats`` rounds, interleaved so load hits all alike."""
    for name, argv in full.items():
        run_child(startup[name], env)
        run_child(argv, env)
    pairs = {name: Pair() for name in full}
    for _ in range(repeats):
        for name, pair in pairs.items():
            pair.startup.append(run_child(startup[name], env))
            pair.full.append(run_child(full[name], env))
    return pairs
