"""Where the benchmark reads and writes, and the external tools it runs (installed if missing).

Importing this puts lambda_src on sys.path, so every bench_* module that imports
image_pipeline imports a bench_* module first (isort keeps them above it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAMBDA_SRC = ROOT / "lambda_src"
OUT = ROOT / "build" / "bench"
sys.path.insert(0, str(LAMBDA_SRC))

TIME = "/usr/bin/time"  # GNU time, for the peak RSS of one child
TOOLS = {"gm": "graphicsmagick", "djpeg": "libjpeg-turbo-progs", "time": "time"}


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


def tool_versions() -> str:
    """E.g. "GraphicsMagick 1.3.40; djpeg (libjpeg-turbo version 2.1.5 (build 20230203))"."""
    gm = subprocess.run(["gm", "version"], capture_output=True, text=True).stdout
    djpeg = subprocess.run(["djpeg", "-version"], capture_output=True, text=True).stderr
    gm_version = " ".join(gm.split("\n")[0].split()[:2])
    djpeg_version = djpeg.strip().split("\n")[0]
    return f"{gm_version}; djpeg ({djpeg_version})"
