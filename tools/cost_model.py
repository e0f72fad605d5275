"""The arithmetic of `make cost`: prices x quantities, Lambda's CPU scaling, Express rounding.

Pure functions only (no AWS, no emulator): tests/unit/test_cost.py checks them. tools/cost.py
measures the quantities and prints the tables.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ONE_VCPU_MB = 1769  # Lambda: one full vCPU at 1,769 MB, CPU in proportion below it
EXPRESS_MEMORY_STEP_MB = 64  # Express duration is billed in 64 MB steps...
EXPRESS_DURATION_STEP_MS = 100  # ...and rounded up to the next 100 ms


@dataclass(frozen=True)
class Prices:
    """us-east-1 list prices, USD; first tier of each (1,000 images stay in it)."""

    lambda_gb_s: Mapping[str, float]  # by architecture
    lambda_request: float
    sfn_transition: float  # Standard
    express_request: float
    express_gb_s: float
    s3_put: float  # PUT, COPY, POST, LIST (S3 Standard)
    s3_get: float  # GET, SELECT and every other request (HEAD included)
    dynamodb_write_unit: float  # on-demand
    dynamodb_read_unit: float
    rekognition_image: float  # DetectLabels (Group 2), first million images a month


PRICES = Prices(
    lambda_gb_s={"arm64": 0.0000133334, "x86_64": 0.0000166667},
    lambda_request=0.20 / 1e6,
    sfn_transition=0.025 / 1000,
    express_request=1.00 / 1e6,
    express_gb_s=0.00001667,
    s3_put=0.005 / 1000,
    s3_get=0.0004 / 1000,
    dynamodb_write_unit=0.625 / 1e6,
    dynamodb_read_unit=0.125 / 1e6,
    rekognition_image=0.001,
)

PRICES_READ_ON = "2026-12-01"
PRICE_SOURCES = [
    (
        "Lambda",
        "https://aws.amazon.com/lambda/pricing/",
        "Arm $0.0000133334, x86 $0.0000166667 per GB-s; $0.20 per 1M requests; 1 ms rounding",
    ),
    (
        "Step Functions",
        "https://aws.amazon.com/step-functions/pricing/",
        "Standard $0.025 per 1,000 transitions (retries count); Express $1.00 per 1M requests "
        "+ $0.00001667 per GB-s, 100 ms rounding, 64 MB steps",
    ),
    (
        "S3",
        "https://aws.amazon.com/s3/pricing/",
        "S3 Standard: $0.005 per 1,000 PUT/COPY/POST/LIST, $0.0004 per 1,000 GET and others",
    ),
    (
        "DynamoDB",
        "https://aws.amazon.com/dynamodb/pricing/on-demand/",
        "on-demand: $0.625 per 1M write, $0.125 per 1M read request units (since 2024-11-01)",
    ),
    (
        "Rekognition",
        "https://aws.amazon.com/rekognition/pricing/",
        "Image, Group 2 (DetectLabels): $0.001 per image, first 1M images a month",
    ),
]


# ------------------------------------------------------------------------------------ Lambda


def lambda_ms(one_core_ms: float, memory_mb: int) -> float:
    """A duration measured on one core here, at ``memory_mb`` on Lambda: t x max(1, 1769/m)."""
    if memory_mb <= 0:
        raise ValueError("memory_mb must be positive")
    return one_core_ms * max(1.0, ONE_VCPU_MB / memory_mb)


def lambda_billed_ms(ms: float) -> int:
    """Lambda bills whole milliseconds, rounded up (at least 1)."""
    return max(1, math.ceil(ms - 1e-9))


def gb_seconds(ms: float, memory_mb: float) -> float:
    return ms / 1000 * memory_mb / 1024


# ---------------------------------------------------------------------------- Step Functions


def express_billed(duration_ms: float, memory_mb: float) -> tuple[int, int]:
    """(billed ms, billed MB) of one Express execution: up to the next 100 ms and 64 MB."""
    ms = max(1, math.ceil(duration_ms / EXPRESS_DURATION_STEP_MS)) * EXPRESS_DURATION_STEP_MS
    mb = max(1, math.ceil(memory_mb / EXPRESS_MEMORY_STEP_MB)) * EXPRESS_MEMORY_STEP_MB
    return ms, mb


def express_gb_seconds(duration_ms: float, memory_mb: float) -> float:
    return gb_seconds(*express_billed(duration_ms, memory_mb))


def state_transitions(events: Iterable[Mapping[str, Any]]) -> int:
    """Standard's billed transitions in an execution history: every state entered, plus one
    for each retried attempt of a task (AWS: "each retry will be charged as an additional
    state transition")."""
    kinds = [str(event.get("type", "")) for event in events]
    entered = sum(kind.endswith("StateEntered") for kind in kinds)
    tasks = kinds.count("TaskStateEntered")
    attempts = sum(kind in {"TaskScheduled", "LambdaFunctionScheduled"} for kind in kinds)
    return entered + max(0, attempts - tasks)


def critical_path_ms(
    ran: Iterable[tuple[str, float]],
    branches: Mapping[str, tuple[str, int]],
    per_state_ms: float = 0.0,
) -> float:
    """Wall time of an execution from each state's duration, in the order they ran: states
    of one Parallel (``branches``: state -> (parallel, branch index)) run their branches at
    once (the longest branch counts), the rest one after another; ``per_state_ms`` is the
    service's own time per state."""
    total = 0.0
    open_parallel: str | None = None
    lanes: dict[int, float] = {}
    for name, ms in ran:
        where = branches.get(name)
        if where is not None and where[0] == open_parallel:
            lanes[where[1]] = lanes.get(where[1], 0.0) + ms + per_state_ms
            continue
        if open_parallel is not None:
            total += max(lanes.values(), default=0.0)
            open_parallel, lanes = None, {}
        if where is not None:
            open_parallel, lanes = where[0], {where[1]: ms + per_state_ms}
        else:
            total += ms + per_state_ms
    if open_parallel is not None:
        total += max(lanes.values(), default=0.0)
    return total


def parallel_branches(definition: Mapping[str, Any]) -> dict[str, tuple[str, int]]:
    """State name -> (its Parallel state, branch index), from an ASL definition."""
    out: dict[str, tuple[str, int]] = {}
    for name, state in (definition.get("States") or {}).items():
        if state.get("Type") != "Parallel":
            continue
        for index, branch in enumerate(state.get("Branches") or []):
            for inner in _all_states(branch):
                out[inner] = (name, index)
    return out


def _all_states(machine: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for name, state in (machine.get("States") or {}).items():
        names.append(name)
        for branch in state.get("Branches") or []:
            names.extend(_all_states(branch))
        for key in ("Iterator", "ItemProcessor"):
            if isinstance(state.get(key), Mapping):
                names.extend(_all_states(state[key]))
    return names


# -------------------------------------------------------------------------------- DynamoDB


def write_units(item_bytes: int) -> int:
    """On-demand write request units of one standard write: one per started KB."""
    return max(1, math.ceil(item_bytes / 1024))


def read_units(item_bytes: int, consistent: bool) -> float:
    """Read request units of one read: one per started 4 KB, half when eventually consistent."""
    units = max(1, math.ceil(item_bytes / 4096))
    return units if consistent else units / 2


def item_size(item: Mapping[str, Any]) -> int:
    """DynamoDB's size of an item in wire format ({"S": ...}): names plus values, in bytes."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Mapping[str, Any]) -> int:
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = len(str(inner).lstrip("-").replace(".", "").strip("0")) or 1
        return math.ceil(digits / 2) + 1
    if kind == "B":
        return len(inner) if isinstance(inner, bytes) else len(str(inner)) * 3 // 4
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(_value_size(v) + 1 for v in inner)
    if kind in {"SS", "NS", "BS"}:
        return sum(_value_size({kind[0]: v}) for v in inner)
    raise ValueError(f"unknown DynamoDB type {kind}")


# ---------------------------------------------------------------------------------- a bill


@dataclass
class Invocation:
    """One Lambda function's billed work per image."""

    function: str
    memory_mb: int
    billed_ms: int
    count: int = 1


@dataclass
class Usage:
    """What one image costs in each service (one configuration)."""

    name: str
    architecture: str
    lambdas: list[Invocation] = field(default_factory=list)
    transitions: int = 0  # Standard
    express: tuple[float, float] | None = None  # (duration ms, memory MB) when EXPRESS
    s3: dict[str, int] = field(default_factory=dict)  # PUT, GET, HEAD, LIST -> requests
    dynamodb_write_units: float = 0.0
    dynamodb_read_units: float = 0.0
    rekognition_images: int = 1


@dataclass(frozen=True)
class Line:
    service: str
    quantity: str  # for 1,000 images, for people
    usd: float
    infrastructure: bool = True  # False: Rekognition, the cost the rest is measured against


def bill(usage: Usage, prices: Prices = PRICES, images: int = 1000) -> list[Line]:
    """Every charge of ``images`` images in ``usage``'s configuration."""
    n = images
    gb_s = sum(gb_seconds(i.billed_ms, i.memory_mb) * i.count for i in usage.lambdas)
    requests = sum(i.count for i in usage.lambdas)
    lines = [
        Line(
            f"Lambda compute ({usage.architecture})",
            f"{gb_s * n:,.1f} GB-s",
            gb_s * n * prices.lambda_gb_s[usage.architecture],
        ),
        Line("Lambda requests", f"{requests * n:,} requests", requests * n * prices.lambda_request),
    ]
    if usage.express is None:
        lines.append(
            Line(
                "Step Functions Standard",
                f"{usage.transitions * n:,} transitions",
                usage.transitions * n * prices.sfn_transition,
            )
        )
    else:
        duration_ms, memory_mb = usage.express
        billed_ms, billed_mb = express_billed(duration_ms, memory_mb)
        express_gb_s = gb_seconds(billed_ms, billed_mb) * n
        lines.append(Line("Express requests", f"{n:,} requests", n * prices.express_request))
        lines.append(
            Line(
                "Express duration",
                f"{express_gb_s:,.2f} GB-s ({billed_ms} ms x {billed_mb} MB)",
                express_gb_s * prices.express_gb_s,
            )
        )
    puts = sum(usage.s3.get(k, 0) for k in ("PUT", "LIST"))
    gets = sum(usage.s3.get(k, 0) for k in ("GET", "HEAD"))
    s3_text = ", ".join(f"{usage.s3[k] * n:,} {k}" for k in sorted(usage.s3) if usage.s3[k])
    lines.append(
        Line("S3 requests", s3_text or "none", (puts * prices.s3_put + gets * prices.s3_get) * n)
    )
    lines.append(
        Line(
            "DynamoDB on-demand",
            f"{usage.dynamodb_write_units * n:,.0f} WRU, {usage.dynamodb_read_units * n:,.0f} RRU",
            (
                usage.dynamodb_write_units * prices.dynamodb_write_unit
                + usage.dynamodb_read_units * prices.dynamodb_read_unit
            )
            * n,
        )
    )
    lines.append(
        Line(
            "Rekognition DetectLabels",
            f"{usage.rekognition_images * n:,} images",
            usage.rekognition_images * n * prices.rekognition_image,
            infrastructure=False,
        )
    )
    return lines


def infrastructure_share(lines: Iterable[Line]) -> float:
    """Infrastructure (everything but Rekognition) as a percentage of the Rekognition cost."""
    lines = list(lines)
    infra = sum(line.usd for line in lines if line.infrastructure)
    rekognition = sum(line.usd for line in lines if not line.infrastructure)
    return percent(infra, rekognition)


def percent(part: float, whole: float) -> float:
    if whole == 0:
        return math.inf if part else 0.0
    return 100.0 * part / whole


def table(title: str, lines: list[Line]) -> str:
    """A fixed-width table: service, quantity for the images, USD, and a total."""
    width = max(len(line.quantity) for line in lines)
    rows = [title, "-" * len(title)]
    for line in lines:
        rows.append(f"  {line.service:<28} {line.quantity:>{width}}  ${line.usd:>10.4f}")
    infra = sum(line.usd for line in lines if line.infrastructure)
    total = sum(line.usd for line in lines)
    rows.append(f"  {'infrastructure (all but Rekognition)':<{29 + width}}  ${infra:>10.4f}")
    rows.append(f"  {'total':<{29 + width}}  ${total:>10.4f}")
    return "\n".join(rows)


# ------------------------------------------------------------------------- what ran, in order


@dataclass
class StateRun:
    """One state entered, and for a task what it scheduled (one resource, one or more tries)."""

    name: str
    kind: str  # the history's event prefix: Task, Choice, Parallel, Pass, ...
    resource: str = ""  # a Lambda function ARN, or an integration such as "detectLabels"
    resource_type: str = ""  # "lambda", or e.g. "aws-sdk:rekognition", "dynamodb"
    attempts: int = 0


def states_run(events: Iterable[Mapping[str, Any]]) -> list[StateRun]:
    """Every state entered, in order; a Task with what it scheduled (retries are attempts).

    Each scheduled event belongs to the earliest task entered that is waiting for work of that
    kind (Lambda or service); a completion ends the earliest attempt of its kind in flight, so
    interleaved Parallel branches are told apart."""
    ran: list[StateRun] = []
    waiting: list[StateRun] = []  # entered task states without an attempt in flight
    in_flight: dict[str, list[StateRun]] = {"Lambda": [], "Task": []}
    for event in events:
        kind = str(event.get("type", ""))
        details = next((v for k, v in event.items() if k.endswith("Details")), None) or {}
        if kind.endswith("StateEntered"):
            state = StateRun(str(details.get("name", "")), kind.removesuffix("StateEntered"))
            ran.append(state)
            if state.kind == "Task":
                waiting.append(state)
        elif kind.endswith("StateExited"):
            name = details.get("name")
            waiting = [s for s in waiting if s.name != name]
        elif kind in {"LambdaFunctionScheduled", "TaskScheduled"} and waiting:
            family = "Lambda" if kind.startswith("Lambda") else "Task"
            state = waiting.pop(0)
            state.attempts += 1
            state.resource = str(details.get("resource", ""))
            state.resource_type = (
                "lambda" if family == "Lambda" else str(details.get("resourceType", ""))
            )
            in_flight[family].append(state)
        elif kind.startswith(("LambdaFunction", "Task")) and kind.endswith(
            ("Succeeded", "Failed", "TimedOut", "ScheduleFailed", "StartFailed", "SubmitFailed")
        ):
            family = "Lambda" if kind.startswith("Lambda") else "Task"
            if in_flight[family]:
                done = in_flight[family].pop(0)
                if kind.endswith("Failed") or kind.endswith("TimedOut"):
                    waiting.insert(0, done)  # a retry may follow
    return ran


def lambda_step(resource: str, names: Mapping[str, str]) -> str | None:
    """The step (extract_metadata, ...) of a Lambda ARN, from step -> function name."""
    function = (
        resource.split(":function:")[-1].split(":")[0] if ":function:" in resource else resource
    )
    return next((step for step, name in names.items() if name == function), None)
