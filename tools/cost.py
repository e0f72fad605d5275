#!/usr/bin/env python3
"""What 1,000 images cost on AWS: the original's shape, ours on STANDARD, ours on EXPRESS.

`make cost` runs this. Every quantity is measured in this run:

- Lambda durations: each function's handler on a 12 MP camera-like JPEG, one core of this
  machine (tools/bench_functions.py), scaled to its memory (Lambda's CPU share:
  t x max(1, 1769 / MB)); a function the benchmark does not run would take its warm REPORT
  duration on the emulator. The original's thumbnail is GraphicsMagick's
  ``gm convert -thumbnail`` on the same photo.
- What ran: a private emulator runs environments/local, once per workflow type, on a fixture
  photo (tools/cost_run.py): state transitions and tasks from the execution history, Lambda
  invocations from the functions' REPORT lines, every S3, DynamoDB and Rekognition request
  from moto's request recorder, the stored item's size for DynamoDB's units.

The arithmetic is tools/cost_model.py (unit-tested). Output: fixed-width tables on stdout,
also written to build/cost/cost.txt.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from bench_functions import FunctionRun, bench_functions, function_cases
from bench_images import images
from bench_measure import child_env, measure
from bench_setup import OUT, ROOT, ensure_tools
from bench_thumbnails import GM_NAME, commands
from cost_model import (
    PRICE_SOURCES,
    PRICES,
    PRICES_READ_ON,
    Invocation,
    Usage,
    bill,
    critical_path_ms,
    infrastructure_share,
    lambda_billed_ms,
    lambda_ms,
    lambda_step,
    parallel_branches,
    read_units,
    state_transitions,
    states_run,
    table,
    write_units,
)
from cost_run import Run, measure_runs, supports_express

IMAGES = 1000
ARCHITECTURE = "arm64"
REKOGNITION_MS = 1000  # assumed DetectLabels latency (S3 object, 10 labels)
LAMBDA_INVOKE_MS = 20  # assumed Step Functions -> Lambda overhead per task (Express duration)
SERVICE_CALL_MS = 20  # assumed latency of another direct service integration (DynamoDB, S3)
STATE_MS = 5  # assumed time Step Functions spends per state (Express duration)
EXPRESS_MEMORY_MB = 64  # assumed: definition ~7 KB, payloads a few KB (AWS bills 64 MB steps)
ORIGINAL_ARCHITECTURE = "x86_64"  # its template sets no Architectures: x86_64

# The original's successful run (aws-samples/lambda-refarch-imagerecognition,
# cloudformation/image-processing.serverless.yaml, and ../shared/spec): its seven states, each
# Task a Node.js Lambda with the template's MemorySize, and its trigger.
ORIGINAL_STATES = [
    ("ExtractImageMetadata", "extract_metadata", 1024),
    ("ImageTypeCheck", None, 0),
    ("TransformMetadata", "transform_metadata", 256),
    ("ParallelProcessing", None, 0),
    ("Rekognition", "detect_labels", 256),
    ("Thumbnail", "generate_thumbnail", 1536),
    ("StoreImageMetadata", "store_metadata", 256),
]
ORIGINAL_TRIGGER_MB = 256
# Its requests per image: HeadObject (trigger); GetObject of the whole photo (metadata), by
# Rekognition and by the thumbnail; PutObject (thumbnail). DynamoDB: a conditional PutItem and
# an UpdateItem (trigger), one UpdateItem (StoreImageMetadata).
ORIGINAL_S3 = {"HEAD": 1, "GET": 3, "PUT": 1}
ORIGINAL_WRITES = 3


def one_core_ms(functions: list[FunctionRun]) -> dict[str, float]:
    """Each function's warm duration on the 12 MP JPEG (or its only input), one core here."""
    out: dict[str, float] = {}
    for run in functions:
        if run.function in {"extract_metadata", "generate_thumbnail", "detect_labels"}:
            if run.work.startswith("JPEG 12") and run.function != "detect_labels":
                out[run.function] = run.ms
        else:
            out.setdefault(run.function, run.ms)
    return out


def gm_ms(jpeg12: Path, tiny: Path, repeats: int) -> float:
    """GraphicsMagick's thumbnail of the 12 MP JPEG, start-up excluded (the original's way)."""
    full = {GM_NAME: commands(jpeg12, "JPEG")[GM_NAME]}
    startup = {GM_NAME: commands(tiny, "JPEG")[GM_NAME]}
    return measure(full, startup, child_env(), repeats)[GM_NAME].excess("wall_ms")


def ours(run: Run, names: dict[str, str], measured: dict[str, float], express: bool) -> Usage:
    """One configuration of ours, from what its execution did."""
    usage = Usage(f"ours, {run.workflow}", ARCHITECTURE)
    billed: dict[str, int] = {}
    for step, reports in sorted(run.reports.items()):
        one_core = measured.get(step, statistics.median(reports))
        memory = run.memory[step]
        billed[step] = lambda_billed_ms(lambda_ms(one_core, memory))
        usage.lambdas.append(Invocation(step, memory, billed[step], len(reports)))
    usage.transitions = state_transitions(run.history)
    s3 = {k.split(":", 1)[1]: n for k, n in run.calls.items() if k.startswith("s3:") and n}
    s3["GET"] = s3.get("GET", 0) + run.rekognition_s3_reads  # Rekognition reads the object
    usage.s3 = s3
    writes = sum(run.calls[f"dynamodb:{op}"] for op in ("PutItem", "UpdateItem", "DeleteItem"))
    reads = sum(run.calls[f"dynamodb:{op}"] for op in ("GetItem", "Query"))
    usage.dynamodb_write_units = writes * write_units(run.item_bytes)
    usage.dynamodb_read_units = run.consistent_reads * read_units(run.item_bytes, True) + (
        reads - run.consistent_reads
    ) * read_units(run.item_bytes, False)
    usage.rekognition_images = max(1, run.calls["rekognition:DetectLabels"])
    if express:
        ran = []
        for state in states_run(run.history):
            if state.resource_type == "lambda":
                step = lambda_step(state.resource, names)
                ms = (billed.get(step or "", 0) + LAMBDA_INVOKE_MS) * max(1, state.attempts)
            elif state.resource_type.endswith("rekognition"):
                ms = REKOGNITION_MS * max(1, state.attempts)
            elif state.kind == "Task":
                ms = SERVICE_CALL_MS * max(1, state.attempts)
            else:
                ms = 0
            ran.append((state.name, float(ms)))
        duration = critical_path_ms(ran, parallel_branches(run.definition), STATE_MS)
        usage.express = (duration, EXPRESS_MEMORY_MB)
        usage.transitions = 0
    return usage


def original(measured: dict[str, float], gm: float, trigger_ms: float, item_bytes: int) -> Usage:
    usage = Usage("the original's shape", ORIGINAL_ARCHITECTURE)
    usage.lambdas.append(
        Invocation(
            "start_execution",
            ORIGINAL_TRIGGER_MB,
            lambda_billed_ms(lambda_ms(trigger_ms, ORIGINAL_TRIGGER_MB)),
        )
    )
    for _, step, memory in ORIGINAL_STATES:
        if step is None:
            continue
        if step == "detect_labels":  # a Lambda that waits for Rekognition
            ms = lambda_ms(measured.get("transform_metadata", 1.0), memory) + REKOGNITION_MS
        elif step == "generate_thumbnail":
            ms = lambda_ms(gm, memory)
        else:
            ms = lambda_ms(measured[step], memory)
        usage.lambdas.append(Invocation(step, memory, lambda_billed_ms(ms)))
    usage.transitions = len(ORIGINAL_STATES)
    usage.s3 = dict(ORIGINAL_S3)
    usage.dynamodb_write_units = ORIGINAL_WRITES * write_units(item_bytes)
    return usage


def lambda_detail(usage: Usage) -> str:
    parts = [f"{i.function} {i.memory_mb} MB x {i.billed_ms} ms" for i in usage.lambdas]
    return "    Lambda billed per image: " + "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter of the emulator")
    parser.add_argument("--port", type=int, default=4590)
    parser.add_argument("--state-dir", type=Path, default=ROOT / "build" / "cost" / "local-aws")
    parser.add_argument("--runtime", default="python{}.{}".format(*sys.version_info[:2]))
    parser.add_argument("--repeats", type=int, default=5, help="runs per duration (median)")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    ensure_tools()
    cases, _, tiny = images()
    print("cost: each function on its real work (bench_functions)", file=sys.stderr)
    functions = bench_functions(cases, calls=args.repeats)
    measured = one_core_ms(functions)
    jpeg12 = function_cases(cases)[0].path  # the 12 MP JPEG
    gm = gm_ms(jpeg12, tiny["JPEG"], args.repeats)
    workflows = ["STANDARD", "EXPRESS"] if supports_express() else ["STANDARD"]
    runs = measure_runs(args.python, args.port, args.state_dir, args.runtime, workflows)
    by_type = {run.workflow: run for run in runs}
    standard = by_type.get("STANDARD", runs[0])
    express = by_type.get("EXPRESS")
    notes = [note for run in runs for note in run.notes]
    if express is None:
        express = standard
        notes.append("EXPRESS: environments/local takes no workflow type; STANDARD's run used")
    elif not express.history:
        express.history = standard.history
        notes.append("EXPRESS: its execution's events not found; STANDARD's states used")
    names = standard.function_names
    trigger_ms = measured.get("start_execution") or statistics.median(
        standard.reports.get("start_execution", [50.0])
    )
    configurations = [
        original(measured, gm, trigger_ms, standard.item_bytes),
        ours(standard, names, measured, express=False),
        ours(express, names, measured, express=True),
    ]
    configurations[2].name = "ours, EXPRESS with direct integrations"
    text = report(configurations, standard, express, measured, gm, notes)
    out = OUT.parent / "cost"
    out.mkdir(parents=True, exist_ok=True)
    (out / "cost.txt").write_text(text + "\n")
    print(text)
    print(f"\n(written to build/cost/cost.txt; took {time.perf_counter() - began:.0f} s)")
    return 0


def report(
    configurations: list[Usage],
    standard: Run,
    express: Run,
    measured: dict[str, float],
    gm: float,
    notes: list[str],
) -> str:
    out = [f"Cost of {IMAGES:,} images, us-east-1, list prices read {PRICES_READ_ON}", ""]
    shares = []
    for usage in configurations:
        lines = bill(usage, PRICES, IMAGES)
        out.append(table(usage.name, lines))
        out.append(lambda_detail(usage))
        if usage.express is not None:
            out.append(f"    Express duration modelled: {usage.express[0]:.0f} ms per execution")
        out.append("")
        shares.append((usage.name, infrastructure_share(lines)))
    ran = [s.name for s in states_run(standard.history)]
    tasks = [
        f"{s.name} ({s.resource_type}{'' if s.resource_type == 'lambda' else ': ' + s.resource})"
        for s in states_run(standard.history)
        if s.kind == "Task"
    ]
    out += [
        "What ran (emulator, STANDARD, one photo): "
        f"{len(ran)} states entered, {state_transitions(standard.history)} transitions: "
        + ", ".join(ran),
        "  tasks: " + ", ".join(tasks),
        "  requests: "
        + ", ".join(f"{k} {n}" for k, n in sorted(standard.calls.items()) if n)
        + f"; stored item {standard.item_bytes} bytes",
        "Measured here (one core, warm): "
        + ", ".join(f"{k} {v:.1f} ms" for k, v in sorted(measured.items()))
        + f"; gm convert -thumbnail {gm:.0f} ms (12 MP JPEG)",
        "",
        "Assumptions:",
        f"  - region us-east-1; ours on {ARCHITECTURE}; the original on {ORIGINAL_ARCHITECTURE} "
        "(its template names no architecture) with its template's memory: trigger 256, "
        "extract 1024, transform 256, Rekognition 256, thumbnail 1536, store 256 MB",
        "  - every photo a 12 MP camera JPEG (3.7 MB) under Rekognition's 15 MB S3 limit: no "
        "fallback rendition; warm functions (cold starts, at most one per concurrent "
        "environment, left out)",
        "  - a Lambda duration measured on one core here is t x max(1, 1769/MB) on Lambda, "
        "rounded up to 1 ms (waits on AWS APIs scaled alike: an upper bound at small sizes)",
        f"  - Rekognition DetectLabels latency {REKOGNITION_MS} ms (the original's Rekognition "
        "Lambda waits for it; our EXPRESS execution too); Lambda invoke overhead "
        f"{LAMBDA_INVOKE_MS} ms, other integrations {SERVICE_CALL_MS} ms, {STATE_MS} ms per state",
        f"  - EXPRESS memory {EXPRESS_MEMORY_MB} MB (the definition is ~7 KB, payloads a few KB; "
        "AWS bills 64 MB steps), duration along the critical path (the longest Parallel branch)",
        "  - the original's Node.js steps take our Python steps' durations (its thumbnail: gm); "
        "its metadata step downloads the whole photo (one GET, its time not modelled)",
        "  - Rekognition reading the S3 object counts as one GET; the photo's own upload "
        "(one PUT) is left out everywhere; free tiers left out; DynamoDB on-demand units from "
        "the stored item's size (the original's tables were provisioned; priced on-demand here)",
        *[f"  - {note}" for note in notes],
        "",
        f"Prices (read {PRICES_READ_ON}):",
        *[f"  - {service}: {what} <{url}>" for service, url, what in PRICE_SOURCES],
        "",
        "Infrastructure cost as a share of the Rekognition cost: "
        + "; ".join(f"{name} {share:.1f} %" for name, share in shares)
        + " (goal for EXPRESS: <= 5 %)",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
