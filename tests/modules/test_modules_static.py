"""Static checks of every module, environment and example: fmt, init + validate, conventions,
and README tables in sync with the code."""

from __future__ import annotations

import re
import subprocess
import sys

import hcl2
import pytest
import tftest
from tfharness import ENVIRONMENTS, MODULES, ROOT, ROOTS, readme_usage


def test_fmt(terraform_bin, tf_env):
    """Every .tf and .tftest.hcl file in the repository."""
    result = subprocess.run(
        [terraform_bin, "fmt", "-check", "-diff", "-recursive", str(ROOT)],
        env=tf_env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"terraform fmt -check:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("module", [".", *MODULES])
def test_readme_usage_is_formatted(module, terraform_bin, tf_env):
    usage = readme_usage(module)
    result = subprocess.run(
        [terraform_bin, "fmt", "-"], input=usage, env=tf_env, capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout == usage, result.stdout + result.stderr


@pytest.mark.parametrize("module", MODULES)
def test_module_reads_nothing_outside_its_folder(module):
    """A nested module works wherever it is vendored: no path leaves its folder."""
    outside = [
        f"{tf.name}:{n}: {line.strip()}"
        for tf in (ROOT / "modules" / module).glob("*.tf")
        for n, line in enumerate(tf.read_text().splitlines(), 1)
        if "../" in line
    ]
    assert outside == []


@pytest.mark.parametrize(
    "template",
    [
        "statemachine.json.tftpl",
        "modules/pipeline/backfill.asl.json.tftpl",
        "modules/pipeline/moderation.asl.json.tftpl",
    ],
)
def test_fmt_template_is_json(template):
    """The ASL templates stay plain JSON apart from their ${...} placeholders."""
    import json

    text = (ROOT / template).read_text()
    text = re.sub(r'"\$\{[a-z_]+\}"', '"arn:aws:lambda:us-east-1:123456789012:function:x"', text)
    # a jsonencode()d list, such as a Retry, or a jsonencode(variable) in the template itself
    json.loads(re.sub(r"\$\{[a-z_]+(?:\([a-z_]+\))?\}", "[]", text))


@pytest.mark.parametrize("rel", ROOTS)
def test_init_validate(rel, terraform_bin, tf_env, stage):
    tfdir = stage(rel)
    tf = tftest.TerraformTest(str(tfdir), binary=terraform_bin, env=tf_env)
    tf.setup(init_vars=None, upgrade=False, cleanup_on_exit=False)
    out = tf.execute_command("validate", "-no-color")
    assert "Success" in out.out, out


def test_versions_identical():
    texts = {m: (d / "versions.tf").read_text() for m, d in MODULE_DIRS.items()}
    first = texts["."]
    assert 'required_version = ">= 1.5.0"' in first
    assert 'version = ">= 5.100.0, < 6.0.0"' in first
    assert {m: t for m, t in texts.items() if t != first} == {}


@pytest.mark.parametrize("module", MODULES)
def test_module_layout(module):
    module_dir = ROOT / "modules" / module
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (module_dir / name).is_file(), f"modules/{module}/{name} is missing"
    for tf in module_dir.glob("*.tf"):
        assert not re.search(r'^provider\s+"', tf.read_text(), re.M), f"provider block in {tf}"


def _blocks(path, kind):
    with path.open() as handle:
        parsed = hcl2.load(handle)
    for block in parsed.get(kind, []):
        for name, spec in block.items():
            yield name.strip('"'), spec


MODULE_DIRS = {".": ROOT, **{m: ROOT / "modules" / m for m in MODULES}}


@pytest.mark.parametrize("module", MODULE_DIRS)
def test_variables_typed_and_described(module):
    problems = []
    for name, spec in _blocks(MODULE_DIRS[module] / "variables.tf", "variable"):
        description = spec.get("description", "").strip('"')
        vtype = str(spec.get("type", ""))
        if not description.endswith("."):
            problems.append(f"{name}: description must end in '.'")
        if not vtype or re.search(r"\bany\b", vtype):
            problems.append(f"{name}: needs an explicit type, never any")
        collection = re.match(r"^\$\{(map|list|set|object)\(", vtype)
        if collection and spec.get("nullable") is not False:
            problems.append(f"{name}: collections need nullable = false")
    assert problems == []


@pytest.mark.parametrize("module", MODULE_DIRS)
def test_outputs_described(module):
    problems = [
        name
        for name, spec in _blocks(MODULE_DIRS[module] / "outputs.tf", "output")
        if not spec.get("description", "").strip('"').endswith(".")
    ]
    assert problems == [], f"outputs without a description ending in '.': {problems}"


def test_readme_tables_in_sync():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "module_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"{result.stderr}\nRegenerate with: make docs"


def test_index_names_are_written_once():
    """The storage module names the tables' indexes; every other module takes them from its
    outputs (no default repeats a name, so a renamed index cannot leave a module behind)."""
    storage = (ROOT / "modules" / "storage" / "main.tf").read_text()
    names = set(re.findall(r'index_name\s*=\s*"([^"$]+)"', storage))
    assert len(names) >= 4, names
    repeated = [
        f"{tf.relative_to(ROOT)}: {name}"
        for rel in ROOTS
        for tf in sorted((ROOT / rel).glob("*.tf"))
        if tf != ROOT / "modules" / "storage" / "main.tf"
        for name in sorted(names)
        if f'"{name}"' in tf.read_text()
    ]
    assert repeated == []


def test_package_names_are_written_once():
    """tools/package.py's zip names are written in the root module only (main.tf); environments
    and examples take them from its package output."""
    written = [
        str(tf.relative_to(ROOT))
        for rel in ROOTS
        for tf in sorted((ROOT / rel).glob("*.tf"))
        if re.search(r'/functions\.zip"|/layer-\$\{', tf.read_text())
    ]
    assert written == ["main.tf"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_environment_commands_run_from_the_repository_root(env):
    """Every terraform command an environment's README or backend.tf shows names its folder
    (`terraform -chdir=environments/<env> ...`), so it runs from the repository root, where the
    other commands run; backend.hcl, which it reads there, is ignored by git."""
    texts = [ROOT / "environments" / env / name for name in ("README.md", "backend.tf")]
    commands = [
        f"{path.name}: {match.group(0)}"
        for path in texts
        if path.exists()
        for match in re.finditer(r"\bterraform (?!test\b)[^`\n]*", path.read_text())
        if re.match(r"terraform (init|plan|apply|destroy|output|workspace|state)\b", match.group(0))
        or "-chdir" in match.group(0)
    ]
    wrong = [c for c in commands if f"terraform -chdir=environments/{env} " not in c]
    assert wrong == []
    if (ROOT / "environments" / env / "backend.tf").exists():
        assert re.search(r"^backend\.hcl$", (ROOT / ".gitignore").read_text(), re.M)


def test_prefix_defaults_are_written_once():
    """The key prefixes default in the root module only; the modules take them as inputs."""
    defaults = ('"Incoming/"', '"Thumbnails/"')
    written = sorted(
        str(tf.relative_to(ROOT))
        for rel in ROOTS
        for tf in (ROOT / rel).glob("*.tf")
        if any(d in tf.read_text() for d in defaults)
    )
    assert written == ["variables.tf"]
