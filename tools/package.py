"""Build the Lambda deployment packages, byte for byte reproducibly.

build/lambda/functions.zip            lambda_src/image_pipeline (the code of every function)
build/lambda/layer-<runtime>-<arch>.zip  dependencies from lambda_src/requirements.txt under python/

Entries are sorted, dated 1980-01-01 and given fixed permissions, so unchanged sources give
identical bytes (and no Terraform diff). The layer is rebuilt only when the requirements, the
constraints, the runtime or the architecture change. `--target local` builds for the emulator
(this host's Python, x86_64); `--target aws` for Lambda (python3.13 on arm64 unless told).
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "lambda_src" / "image_pipeline"
REQUIREMENTS = ROOT / "lambda_src" / "requirements.txt"
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
EPOCH = (1980, 1, 1, 0, 0, 0)
# The Lambda runtime provides these; the layer leaves them out to stay small.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath")
MANYLINUX = {"arm64": "aarch64", "x86_64": "x86_64"}


def _skip(path: Path) -> bool:
    return "__pycache__" in path.parts or path.suffix in {".pyc", ".pyo"}


def write_zip(zip_path: Path, tree: Path, prefix: str) -> None:
    """Zip every file under tree as <prefix><relative path>, deterministically."""
    files = sorted(
        (p for p in tree.rglob("*") if p.is_file() and not _skip(p.relative_to(tree))),
        key=lambda p: p.relative_to(tree).as_posix(),
    )
    tmp = zip_path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in files:
            info = zipfile.ZipInfo(prefix + path.relative_to(tree).as_posix(), EPOCH)
            mode = 0o755 if path.stat().st_mode & 0o111 else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes(), compresslevel=9)
    if zip_path.exists() and zip_path.read_bytes() == tmp.read_bytes():
        tmp.unlink()  # keep the old file (and its mtime) when nothing changed
    else:
        tmp.replace(zip_path)


def build_functions(out_dir: Path) -> Path:
    zip_path = out_dir / "functions.zip"
    write_zip(zip_path, SOURCE, prefix="image_pipeline/")
    return zip_path


def layer_key(runtime: str, arch: str) -> str:
    digest = hashlib.sha256()
    inputs = (REQUIREMENTS, CONSTRAINTS, Path(__file__))  # this file: how the layer is built
    for part in (*(p.read_bytes() for p in inputs), runtime.encode(), arch.encode()):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def build_layer(out_dir: Path, runtime: str, arch: str, force: bool = False) -> Path:
    zip_path = out_dir / f"layer-{runtime}-{arch}.zip"
    key_path = zip_path.with_name(zip_path.name + ".key")
    key = layer_key(runtime, arch)
    if not force and zip_path.exists() and key_path.exists() and key_path.read_text() == key:
        return zip_path
    machine = MANYLINUX[arch]
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "python"
        # Pillow 13 ships manylinux_2_28 wheels only (python3.12+ runtimes run glibc 2.34).
        platforms = f"--platform manylinux2014_{machine} --platform manylinux_2_28_{machine}"
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--target"]
        cmd += [str(target), "--only-binary=:all:", *platforms.split(), "--implementation", "cp"]
        cmd += ["--python-version", runtime.removeprefix("python"), "--disable-pip-version-check"]
        cmd += ["-r", str(REQUIREMENTS), "-c", str(CONSTRAINTS)]
        subprocess.run(cmd, check=True)
        for entry in list(target.iterdir()):
            project = entry.name.split("-")[0].split(".")[0].lower()
            if project in RUNTIME_PROVIDED or project == "bin":
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        for record in target.glob("*.dist-info/RECORD"):
            record.unlink()  # lists absolute-ish paths and hashes that vary with the build
        write_zip(zip_path, target, prefix="python/")
    key_path.write_text(key)
    return zip_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=["local", "aws"], default="aws")
    parser.add_argument("--runtime", help="python3.X (local: this host's Python; aws: python3.13)")
    parser.add_argument("--arch", choices=sorted(MANYLINUX), help="local: x86_64; aws: arm64")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "build" / "lambda")
    parser.add_argument("--force", action="store_true", help="rebuild the layer even if cached")
    args = parser.parse_args(argv)
    if args.target == "local":
        host = f"python{sys.version_info.major}.{sys.version_info.minor}"
        runtime, arch = args.runtime or host, args.arch or "x86_64"
        if platform.machine() not in ("x86_64", "AMD64"):
            print(f"warning: the emulator runs x86_64 packages; host is {platform.machine()}")
    else:
        runtime, arch = args.runtime or "python3.13", args.arch or "arm64"
    args.out_dir.mkdir(parents=True, exist_ok=True)
    functions = build_functions(args.out_dir)
    layer = build_layer(args.out_dir, runtime, arch, force=args.force)
    for path in (functions, layer):
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
