"""Terraform CLI configuration for machines that carry the AWS provider on disk.

Where ``/opt/tf-plugins`` (or ``$TF_PLUGIN_MIRROR``) exists, write a CLI config that installs
providers from that filesystem mirror only, so ``terraform init`` attempts no network access.
Elsewhere print nothing: Terraform then uses the registry as online users expect.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cli_config_file(build_dir: Path = ROOT / "build") -> Path | None:
    """Return the path of a CLI config using the local mirror, or None when there is none."""
    mirror = Path(os.environ.get("TF_PLUGIN_MIRROR", "/opt/tf-plugins"))
    if not mirror.is_dir():
        return None
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / "terraformrc"
    text = (
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n'
        "}\n"
        "disable_checkpoint = true\n"
    )
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def terraform_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for running terraform: the offline CLI config when the mirror exists."""
    env = dict(os.environ if base is None else base)
    config = cli_config_file()
    if config is not None:
        env["TF_CLI_CONFIG_FILE"] = str(config)
    env.setdefault("CHECKPOINT_DISABLE", "1")
    env.setdefault("TF_IN_AUTOMATION", "1")
    return env


if __name__ == "__main__":
    found = cli_config_file()
    sys.stdout.write(f"{found}\n" if found else "")
