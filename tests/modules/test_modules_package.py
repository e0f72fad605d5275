"""tools/package.py: deterministic zips, the layer cached on its inputs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import package
import pytest
from tfharness import ROOT


def test_functions_zip_is_deterministic(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    a = package.build_functions(first)
    b = package.build_functions(second)
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert all(n.startswith("image_pipeline/") for n in names)
    assert "image_pipeline/__init__.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {(i.external_attr >> 16) & 0o777 for i in infos} <= {0o644, 0o755}


def test_unchanged_zip_keeps_its_file(tmp_path):
    path = package.build_functions(tmp_path)
    stat = path.stat()
    package.build_functions(tmp_path)
    assert path.stat().st_mtime_ns == stat.st_mtime_ns


def test_zip_skips_bytecode(tmp_path):
    tree = tmp_path / "tree"
    (tree / "pkg" / "__pycache__").mkdir(parents=True)
    (tree / "pkg" / "mod.py").write_text("x = 1\n")
    (tree / "pkg" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    (tree / "pkg" / "stale.pyc").write_bytes(b"\0")
    out = tmp_path / "out.zip"
    package.write_zip(out, tree, prefix="python/")
    with zipfile.ZipFile(out) as zf:
        assert zf.namelist() == ["python/pkg/mod.py"]


def _fake_pip(calls):
    def run(cmd, check):
        calls.append(cmd)
        target = Path(cmd[cmd.index("--target") + 1])
        for name in (
            "PIL/__init__.py",
            "boto3/__init__.py",
            "botocore/__init__.py",
            "botocore-1.0.dist-info/METADATA",
            "jmespath/__init__.py",
            "piexif/__init__.py",
            "piexif-1.1.3.dist-info/RECORD",
            "piexif-1.1.3.dist-info/METADATA",
            "bin/tool",
        ):
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(name)

    return run


def test_layer_cached_and_lean(tmp_path, monkeypatch):
    calls: list[list[str]] = []
    monkeypatch.setattr(package.subprocess, "run", _fake_pip(calls))
    layer = package.build_layer(tmp_path, "python3.13", "arm64")
    assert layer.name == "layer-python3.13-arm64.zip"
    cmd = calls[0]
    assert cmd[cmd.index("--python-version") + 1] == "3.13"
    assert "manylinux2014_aarch64" in cmd and "--only-binary=:all:" in cmd
    assert cmd[cmd.index("--implementation") + 1] == "cp"
    with zipfile.ZipFile(layer) as zf:
        names = zf.namelist()
    assert names == [
        "python/PIL/__init__.py",
        "python/piexif-1.1.3.dist-info/METADATA",
        "python/piexif/__init__.py",
    ]
    content = layer.read_bytes()
    package.build_layer(tmp_path, "python3.13", "arm64")
    assert len(calls) == 1, "an unchanged layer must not be rebuilt"
    package.build_layer(tmp_path, "python3.13", "arm64", force=True)
    assert len(calls) == 2 and layer.read_bytes() == content
    package.build_layer(tmp_path, "python3.11", "x86_64")
    assert len(calls) == 3 and "manylinux2014_x86_64" in calls[2]


def test_cli_local_target_names(tmp_path, monkeypatch):
    monkeypatch.setattr(package.subprocess, "run", _fake_pip([]))
    assert package.main(["--target", "local", "--out-dir", str(tmp_path)]) == 0
    host = f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert (tmp_path / f"layer-{host}-x86_64.zip").exists()
    assert (tmp_path / "functions.zip").exists()


@pytest.mark.parametrize("flag", ["--help"])
def test_cli_runs(flag):
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "package.py"), flag], capture_output=True, text=True
    )
    assert result.returncode == 0 and "--target" in result.stdout
