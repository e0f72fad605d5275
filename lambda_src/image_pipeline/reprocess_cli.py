"""``image-pipeline reprocess``: the reprocess library against a deployed environment.

The environment's ``terraform output -json`` names the bucket, the table and the state machine
(and, for environments/local, the emulator's endpoint and region). AWS credentials, region and
endpoint are boto3's usual ones (``AWS_PROFILE``, ``AWS_ENDPOINT_URL``, ...); an endpoint the
environment outputs (``aws_endpoint_url``) is used when none is set.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from image_pipeline import executions
from image_pipeline import reprocess as library
from image_pipeline.config import RunConfig
from image_pipeline.errors import InvalidInput
from image_pipeline.models import Restarted

WORKERS = 8
MAX_LISTED = 50  # failures named in the summary


def environment_outputs(env_dir: str, terraform: str = "terraform") -> dict[str, Any]:
    """``terraform output -json`` of ``env_dir``, as ``{name: value}``."""
    try:
        done = subprocess.run(
            [terraform, f"-chdir={env_dir}", "output", "-json"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    except OSError as exc:
        raise InvalidInput(f"Cannot run {terraform}: {exc}") from exc
    if done.returncode != 0:
        raise InvalidInput(f"terraform output failed in {env_dir}: {done.stderr.strip()[-500:]}")
    try:
        raw = json.loads(done.stdout or "{}")
    except ValueError as exc:
        raise InvalidInput(f"terraform output in {env_dir} is not JSON") from exc
    return {name: value.get("value") for name, value in raw.items()}


def run_config(outputs: dict[str, Any], incoming_prefix: str) -> RunConfig:
    table = outputs.get("image_metadata_table_name") or (
        (outputs.get("image_metadata_table") or {}).get("name")
    )
    missing = [
        name
        for name, value in (
            ("bucket_name", outputs.get("bucket_name")),
            ("image_metadata_table_name", table),
            ("state_machine_arn", outputs.get("state_machine_arn")),
        )
        if not value
    ]
    if missing:
        raise InvalidInput(f"The environment has no {', '.join(missing)} output (not applied?)")
    return RunConfig(
        bucket_name=str(outputs["bucket_name"]),
        table_name=str(table),
        state_machine_arn=str(outputs["state_machine_arn"]),
        incoming_prefix=incoming_prefix,
    )


def use_environment_endpoint(outputs: dict[str, Any]) -> None:
    """The emulator the environment names, unless the caller chose an endpoint; its region;
    fake keys when the caller has none (the emulator takes any)."""
    endpoint = outputs.get("aws_endpoint_url")
    if not endpoint or os.environ.get("AWS_ENDPOINT_URL"):
        return
    os.environ["AWS_ENDPOINT_URL"] = str(endpoint)
    if outputs.get("region") and not (
        os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    ):
        os.environ["AWS_DEFAULT_REGION"] = str(outputs["region"])
    import boto3

    if boto3.session.Session().get_credentials() is None:
        os.environ["AWS_ACCESS_KEY_ID"] = "test"
        os.environ["AWS_SECRET_ACCESS_KEY"] = "test"


def _keys(args: argparse.Namespace, config: RunConfig) -> list[str]:
    given = args.key if args.key is not None else args.prefix
    if given is not None and not given.startswith(config.incoming_prefix):
        flag = "--key" if args.key is not None else "--prefix"
        raise InvalidInput(f"{flag} must begin with {config.incoming_prefix}")
    if args.key is not None:
        return [args.key]
    return list(library.list_keys(config.bucket_name, args.prefix or config.incoming_prefix))


class _Stderr:
    """Whatever ``sys.stderr`` is when a line is written."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


@contextlib.contextmanager
def _logs_to_stderr() -> Iterator[None]:
    """The library's log lines go to stderr while the command runs: stdout is the one JSON
    summary."""
    from image_pipeline.observability import logger

    handler = logger.registered_handler
    saved = getattr(handler, "stream", None)
    if saved is None:
        yield
        return
    handler.stream = _Stderr()
    try:
        yield
    finally:
        handler.stream = saved


def reprocess(args: argparse.Namespace) -> dict[str, Any]:
    """Start every key's run, wait for all of them, and count the outcomes."""
    with _logs_to_stderr():
        return _reprocess(args)


def _reprocess(args: argparse.Namespace) -> dict[str, Any]:
    outputs = environment_outputs(args.env_dir, args.terraform)
    config = run_config(outputs, args.incoming_prefix)
    use_environment_endpoint(outputs)
    run = uuid.uuid4().hex[:16]
    keys = _keys(args, config)

    def one(key: str) -> Restarted | None:
        try:
            return library.restart(config, key, run)
        except Exception as exc:  # counted as failed; the others go on
            return {"s3Key": key, "outcome": "refused", "error": type(exc).__name__}

    with ThreadPoolExecutor(WORKERS) as pool:
        done = [d for d in pool.map(one, keys) if d is not None]
    started = {
        d["imageID"]: executions.name_of(d["executionArn"])
        for d in done
        if d["outcome"] == "started"
    }
    refused = [d for d in done if d["outcome"] == "refused"]
    skipped = [d for d in done if d["outcome"] == "skipped"]
    ended = library.wait(config.table_name, started, args.timeout)
    statuses = list(ended.values())
    failures = [{k: v for k, v in d.items() if k in ("s3Key", "error", "cause")} for d in refused]
    failures += [
        {"s3Key": config.incoming_prefix + image_id, "error": status}
        for image_id, status in ended.items()
        if status == "FAILED"
    ]
    return {
        "started": len(started),
        "succeeded": statuses.count("SUCCEEDED"),
        "failed": statuses.count("FAILED") + len(refused),
        "pending": sum(s in ("PENDING", "RUNNING") for s in statuses),
        "superseded": statuses.count("SUPERSEDED"),
        "skipped": len(skipped),
        "run": run,
        "failures": failures[:MAX_LISTED],
    }
