"""Step Functions: deterministic execution names, starting and describing executions."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any

from image_pipeline.clients import client, error_code
from image_pipeline.errors import ExecutionNotAllowed, ExecutionNotDescribable
from image_pipeline.models import ExecutionInput, ExecutionStatus

MAX_NAME = 80
_HASH_CHARS = 20
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def execution_name(
    bucket: str, key: str, version: str | None, attempt: int = 1, run: str | None = None
) -> str:
    """At most 80 characters of ``[A-Za-z0-9_-]``: a readable slug of the key plus a hash of
    bucket, key and content (ETag, or version id), so the same object always gets the same name;
    attempts after the first (the same bytes uploaded again after a failure) end ``-a<n>``, and
    a run started on purpose (reprocess, backfill: ``run``, up to 16 of ``[A-Za-z0-9]``) ends
    ``-r<run>``, so it never collides with the upload's own executions."""
    if run is not None and not re.fullmatch(r"[A-Za-z0-9]{1,16}", run):
        raise ValueError(f"run must be 1 to 16 letters or digits, not {run!r}")
    digest = hashlib.sha256("\0".join((bucket, key, version or "")).encode("utf-8")).hexdigest()
    suffix = ("" if attempt <= 1 else f"-a{attempt}") + ("" if run is None else f"-r{run}")
    basename = key.rstrip("/").rsplit("/", 1)[-1]
    room = MAX_NAME - _HASH_CHARS - 1 - len(suffix)
    slug = _UNSAFE.sub("-", basename).strip("-_")[:room].strip("-_")
    tail = digest[:_HASH_CHARS] + suffix
    return f"{slug}-{tail}" if slug else tail


_NAME = re.compile(r"(?P<stem>(?:.*-)?[0-9a-f]{20})(?:-a[0-9]+)?(?:-r[A-Za-z0-9]{1,16})?")


def content_stem(name_or_arn: str) -> str:
    """The part of an execution name that says which object and bytes it ran on (the slug and
    hash, without ``-a<n>`` or ``-r<run>``): equal stems, same key and same bytes."""
    name = name_or_arn.rsplit(":", 1)[-1]
    matched = _NAME.fullmatch(name)
    return matched["stem"] if matched else name


def execution_arn(state_machine_arn: str, name: str) -> str:
    """A STANDARD execution's ARN, known from its name. An EXPRESS execution's ARN
    (``...:express:<machine>:<name>:<id>``) is known only from StartExecution's answer."""
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":" + name


def name_of(arn: str) -> str:
    """The execution name in a STANDARD (``...:execution:<machine>:<name>``) or EXPRESS
    (``...:express:<machine>:<name>:<id>``) execution ARN."""
    parts = arn.split(":")
    kind = {8: "execution", 9: "express"}.get(len(parts))
    if parts[:1] == ["arn"] and parts[2:3] == ["states"] and parts[5:6] == [kind] and parts[7]:
        return parts[7]
    raise ValueError(f"Not a Step Functions execution ARN: {arn!r}")


def is_express(arn: str) -> bool:
    return arn.split(":")[5:6] == ["express"]


def start(state_machine_arn: str, name: str, payload: ExecutionInput) -> str | None:
    """Start the execution: its ARN, from StartExecution's answer; None when a STANDARD
    execution of that name exists already (a redelivered event). EXPRESS never deduplicates
    names: the item's conditional writes keep a second execution of a name harmless."""
    try:
        response = client("stepfunctions").start_execution(
            stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload)
        )
    except Exception as exc:
        if error_code(exc) == "ExecutionAlreadyExists":
            return None
        raise
    return str(response["executionArn"])


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if value else None


def describe(state_machine_arn: str, arn: str) -> ExecutionStatus:
    """Status of one execution of ``state_machine_arn`` (and of no other state machine):
    ExecutionNotAllowed for any other ARN, an empty one included."""
    if arn and is_express(arn):
        express = state_machine_arn.replace(":stateMachine:", ":express:", 1) + ":"
        if arn.startswith(express):
            raise ExecutionNotDescribable(
                "EXPRESS executions cannot be described: read the item's processingStatus"
            )
    prefix = execution_arn(state_machine_arn, "")
    name = arn[len(prefix) :] if arn.startswith(prefix) else ""
    if not name or ":" in name:
        raise ExecutionNotAllowed("Only executions of this pipeline's state machine")
    response = client("stepfunctions").describe_execution(executionArn=arn)
    result: ExecutionStatus = {
        "executionArn": response["executionArn"],
        "status": response["status"],
        "startDate": _iso(response.get("startDate")),
    }
    stop = _iso(response.get("stopDate"))
    if stop:
        result["stopDate"] = stop
    if response.get("error"):
        result["error"] = str(response["error"])
    if response.get("cause"):
        result["cause"] = str(response["cause"])
    return result
