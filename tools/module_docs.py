"""Generate each module README's reference tables from its code (terraform-docs is not available).

Writes requirements, resources, inputs and outputs between `<!-- BEGIN_TF_DOCS -->` and
`<!-- END_TF_DOCS -->` in README.md (the root module) and modules/<name>/README.md; the
hand-written text around them is kept.

    python tools/module_docs.py            # regenerate every module README
    python tools/module_docs.py --check    # exit 1 if any README is stale
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import hcl2

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"


def _unquote(value):
    """python-hcl2 keeps quotes and ${} around expressions: turn them back into plain values."""
    if isinstance(value, str):
        if len(value) >= 2 and value[0] == value[-1] == '"':
            return json.loads(value) if "\\" in value else value[1:-1]
        if value.startswith("${") and value.endswith("}"):
            return value[2:-1]
        return value
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items() if k != "__is_block__"}
    return value


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _code(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(", ", ": "))
    return f"`{_cell(text)}`"


def load_module(module_dir: Path) -> dict:
    blocks: dict[str, list] = {
        "variable": [],
        "output": [],
        "resource": [],
        "data": [],
        "module": [],
        "terraform": [],
    }
    for tf in sorted(module_dir.glob("*.tf")):
        with tf.open() as handle:
            parsed = hcl2.load(handle)
        for kind in blocks:
            blocks[kind].extend(_unquote(parsed.get(kind, [])))
    return blocks


def render(module_dir: Path) -> str:
    blocks = load_module(module_dir)
    lines = [BEGIN, "## Requirements", "", "| Name | Version |", "|------|---------|"]
    for terraform in blocks["terraform"]:
        if "required_version" in terraform:
            lines.append(f"| terraform | {_code(terraform['required_version'])} |")
        for providers in terraform.get("required_providers", []):
            for name, spec in sorted(providers.items()):
                lines.append(f"| {name} | {_code(spec['version'])} |")
    calls = {n: v for block in blocks["module"] for n, v in block.items()}
    if calls:
        lines += ["", "## Modules", "", "| Name | Source |", "|------|--------|"]
        lines += [f"| {n} | {_code(calls[n]['source'])} |" for n in sorted(calls)]
    lines += ["", "## Resources", "", "| Name | Type |", "|------|------|"]
    found = [(f"{t}.{n}", "resource") for r in blocks["resource"] for t, v in r.items() for n in v]
    found += [
        (f"data.{t}.{n}", "data source") for r in blocks["data"] for t, v in r.items() for n in v
    ]
    lines += [f"| `{name}` | {kind} |" for name, kind in sorted(found)]
    lines += [
        "",
        "## Inputs",
        "",
        "| Name | Description | Type | Default | Required |",
        "|------|-------------|------|---------|:--------:|",
    ]
    variables = {n: v for block in blocks["variable"] for n, v in block.items()}
    for name in sorted(variables):
        spec = variables[name]
        required = "default" not in spec
        default = (
            "n/a" if required else _code(spec["default"] if spec["default"] is not None else "null")
        )
        lines.append(
            f"| {name} | {_cell(spec.get('description', ''))} | {_code(spec.get('type', 'any'))} "
            f"| {default} | {'yes' if required else 'no'} |"
        )
    lines += ["", "## Outputs", "", "| Name | Description |", "|------|-------------|"]
    outputs = {n: v for block in blocks["output"] for n, v in block.items()}
    lines += [f"| {n} | {_cell(outputs[n].get('description', ''))} |" for n in sorted(outputs)]
    return "\n".join([*lines, END])


def update(readme: Path, table: str) -> str:
    text = readme.read_text() if readme.exists() else f"# {readme.parent.name}\n"
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if pattern.search(text):
        return pattern.sub(lambda _m: table, text)
    return text.rstrip("\n") + "\n\n" + table + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate module README tables.")
    parser.add_argument("--check", action="store_true", help="fail if a README is stale")
    parser.add_argument("modules", nargs="*", type=Path, help="module directories (default: all)")
    args = parser.parse_args(argv)
    modules = args.modules or [ROOT, *sorted(p.parent for p in ROOT.glob("modules/*/versions.tf"))]
    stale = []
    for module_dir in modules:
        readme = module_dir / "README.md"
        new = update(readme, render(module_dir))
        if readme.exists() and readme.read_text() == new:
            continue
        if args.check:
            stale.append(str(readme))
        else:
            readme.write_text(new)
            print(f"updated {readme}")
    if stale:
        print("stale README tables (run `make docs`):\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
