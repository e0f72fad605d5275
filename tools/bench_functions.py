"""Per-function work: each pipeline handler's duration and peak RSS on this machine.

Each case runs one handler in a child interpreter (only lambda_src on its path, like a Lambda's
package) against a moto server in this process, the way the function runs on Lambda: S3 and
DynamoDB over HTTP, the whole process's peak RSS (interpreter, boto3, Pillow, Powertools and the
image) as GNU time reports it, which is what Lambda's "Max Memory Used" counts. Duration is
the median of warm invocations in that child (one warm-up call first, clients reused), wall
time on one core of this machine; import time is reported apart (cold start).

tools/bench.py prints these rows; tools/cost.py prices them. ``lambda_ms`` scales a duration
measured on one core to a Lambda memory size: Lambda gives CPU in proportion to memory, one
vCPU at 1,769 MB.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench_images import CACHE_VERSION, JPEG90, Case, _generate, _label, camera_exif
from bench_measure import child_env, run_child
from bench_setup import OUT
from image_pipeline.config import DEFAULT_MAX_IMAGE_PIXELS, DEFAULT_MAX_OBJECT_BYTES

ONE_VCPU_MB = 1769
BUCKET = "bench-functions"
TABLE = "bench-image-metadata"
IMAGE_ID = "bench-image"

# Runs in the child: import the handler (timed), one warm-up call, then `calls` timed calls.
CHILD = """
import json, statistics, sys, time
spec = json.loads(sys.argv[1])
began = time.perf_counter()
import importlib
module = importlib.import_module(spec["module"])
call = getattr(module, spec["attr"])
import_ms = (time.perf_counter() - began) * 1000

class Context:
    function_name = "bench"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id = "bench"
    @staticmethod
    def get_remaining_time_in_millis():
        return 30000

events = iter(spec.get("events") or [])

def once():
    if spec["kind"] == "handler":
        return call(next(events, spec.get("event")), Context())
    # detect_labels' fallback: the object read and reduced, then DetectLabels on the bytes.
    from image_pipeline.clients import client
    from image_pipeline.models import S3Location
    data = call(S3Location(*spec["args"]), spec["max_pixels"], spec["max_bytes"])
    return client("rekognition").detect_labels(Image={"Bytes": data}, MaxLabels=10)

once()
walls, cpus = [], []
for _ in range(spec["calls"]):
    w, c = time.perf_counter(), time.process_time()
    once()
    walls.append((time.perf_counter() - w) * 1000)
    cpus.append((time.process_time() - c) * 1000)
with open(spec["out"], "w") as fh:
    json.dump({"ms": statistics.median(walls), "cpu_ms": statistics.median(cpus),
               "import_ms": import_ms}, fh)
"""


@dataclass(frozen=True)
class FunctionRun:
    """One function's measured work on one input."""

    function: str  # the step: extract_metadata, generate_thumbnail, ...
    work: str  # what it did, for people
    ms: float  # median warm wall time, one core here
    cpu_ms: float
    import_ms: float
    rss_mib: float  # peak RSS of the whole process

    def lambda_ms(self, memory_mb: int) -> float:
        return lambda_ms(self.ms, memory_mb)


def lambda_ms(ms: float, memory_mb: int) -> float:
    """A duration measured on one core here, at ``memory_mb`` on Lambda (CPU share of memory)."""
    return ms * max(1.0, ONE_VCPU_MB / memory_mb)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server in this process (a thread) with the bucket and the table; its endpoint."""
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1"
    )
    from moto.server import ThreadedMotoServer

    port = _free_port()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        import boto3

        s3 = boto3.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        boto3.client("dynamodb", endpoint_url=endpoint).create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "imageID", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "imageID", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        machine = boto3.client("stepfunctions", endpoint_url=endpoint).create_state_machine(
            name="bench",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/bench",
        )
        os.environ["BENCH_STATE_MACHINE_ARN"] = machine["stateMachineArn"]
        yield endpoint
    finally:
        server.stop()


def _env(endpoint: str) -> dict[str, str]:
    return {
        **child_env(),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "IMAGE_METADATA_TABLE": TABLE,
        "STATE_MACHINE_ARN": os.environ.get("BENCH_STATE_MACHINE_ARN", ""),
        "THUMBNAIL_PREFIX": "Thumbnails/",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "bench",
    }


def _run(endpoint: str, function: str, work: str, spec: dict[str, Any], calls: int) -> FunctionRun:
    out = OUT / "function.json"
    spec = {**spec, "calls": calls, "out": str(out)}
    sample = run_child([sys.executable, "-c", CHILD, json.dumps(spec)], _env(endpoint))
    got = json.loads(out.read_text())
    return FunctionRun(function, work, got["ms"], got["cpu_ms"], got["import_ms"], sample.rss_mib)


def _handler(step: str, event: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "handler",
        "module": f"image_pipeline.handlers.{step}",
        "attr": "handler",
        "event": event,
    }


def _upload(endpoint: str, case: Case) -> dict[str, str]:
    import boto3

    key = f"Incoming/{case.path.name}"
    put = boto3.client("s3", endpoint_url=endpoint).put_object(
        Bucket=BUCKET, Key=key, Body=case.path.read_bytes()
    )
    return {"s3Bucket": BUCKET, "s3Key": key, "s3VersionId": put["VersionId"]}


def _trigger(endpoint: str, case: Case, calls: int) -> dict[str, Any]:
    """start_execution on ``calls + 1`` new uploads (a redelivered one would start nothing):
    GetItem, HeadObject, PutItem, StartExecution, UpdateItem each."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint)
    body = case.path.read_bytes()[: 64 * 1024]  # its size does not matter here
    events = []
    for n in range(calls + 1):
        key = f"Incoming/bench/trigger/{n}.jpg"
        put = s3.put_object(
            Bucket=BUCKET, Key=key, Body=body, Metadata={"userid": "bench", "albumid": "bench"}
        )
        record = {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": "us-east-1",
            "eventTime": "2026-12-01T12:00:00.000Z",
            "eventName": "ObjectCreated:Put",
            "s3": {
                "bucket": {"name": BUCKET, "arn": f"arn:aws:s3:::{BUCKET}"},
                "object": {
                    "key": key,
                    "size": len(body),
                    "eTag": put["ETag"].strip('"'),
                    "versionId": put["VersionId"],
                    "sequencer": f"{n:016X}",
                },
            },
        }
        events.append({"Records": [record]})
    return {**_handler("start_execution", events[0]), "events": events}


def _stored(endpoint: str, location: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(raw metadata, stored metadata) of an uploaded image, computed here for later events."""
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    from image_pipeline import clients
    from image_pipeline.config import DEFAULT_MAX_IMAGE_PIXELS
    from image_pipeline.imaging import extract_metadata
    from image_pipeline.sources import S3Source
    from image_pipeline.transform import transform_metadata

    clients.reset()
    try:
        source = S3Source(location["s3Bucket"], location["s3Key"], location["s3VersionId"])
        raw = dict(extract_metadata(source, DEFAULT_MAX_IMAGE_PIXELS))
        return raw, dict(transform_metadata(raw))
    finally:
        clients.reset()
        os.environ.pop("AWS_ENDPOINT_URL", None)


def function_cases(cases: list[Case]) -> list[Case]:
    """A 12 MP JPEG (generated here, cached), then the benchmark's 48 MP JPEG and its PNG."""
    jpeg12 = OUT / f"photo-12mp-{CACHE_VERSION}.jpg"
    _generate((4000, 3000), {jpeg12: {**JPEG90, "exif": camera_exif(12)}}, "the 12 MP JPEG")
    # The largest PNG under the default 50 MiB object limit of noisy content: the worst decode.
    png20 = OUT / f"image-20mp-{CACHE_VERSION}.png"
    _generate((5000, 4000), {png20: {"format": "PNG", "exif": camera_exif(20)}}, "the 20 MP PNG")
    picked = [Case(_label(jpeg12, "JPEG"), jpeg12, "JPEG")]
    picked += [c for c in cases if c.label.startswith(("JPEG 48", "PNG"))]
    return [*picked, Case(_label(png20, "PNG"), png20, "PNG")]


def bench_functions(cases: list[Case], calls: int = 5) -> list[FunctionRun]:
    """Every function of the state machine on its real work, on ``function_cases(cases)``: the
    thumbnail of each, metadata and the labels fallback of the largest JPEG."""
    cases = function_cases(cases)
    jpeg48 = max((c for c in cases if c.fmt == "JPEG"), key=lambda c: c.path.stat().st_size)
    png = max((c for c in cases if c.fmt == "PNG"), key=lambda c: c.path.stat().st_size)
    with moto_server() as endpoint:
        where = {case: _upload(endpoint, case) for case in cases}
        raw, stored = _stored(endpoint, where[jpeg48])
        return [
            *_image_runs(endpoint, cases, where, calls),
            *_fallback_runs(endpoint, [(c, where[c]) for c in (jpeg48, png)], calls),
            _run(
                endpoint,
                "start_execution",
                "one new upload",
                _trigger(endpoint, jpeg48, calls),
                calls,
            ),
            *_item_runs(endpoint, raw, stored, calls),
        ]


def _image_runs(
    endpoint: str, cases: list[Case], where: dict[Case, dict[str, str]], calls: int
) -> list[FunctionRun]:
    """extract_metadata and generate_thumbnail on each uploaded case."""
    runs = []
    for case in cases:
        event = {**where[case], "imageID": IMAGE_ID}
        for step, work in (
            ("extract_metadata", f"{case.label} (64 KiB ranged read)"),
            ("generate_thumbnail", case.label),
        ):
            runs.append(_run(endpoint, step, work, _handler(step, event), calls))
    return runs


def _fallback_runs(
    endpoint: str, uploads: list[tuple[Case, dict[str, str]]], calls: int
) -> list[FunctionRun]:
    """detect_labels' fallback when Rekognition refuses the object (over 15 MB): read it,
    reduce it to a 1024 px rendition, DetectLabels on the bytes."""
    runs = []
    for case, location in uploads:
        fallback = {
            "kind": "rendition",
            "module": "image_pipeline.labels",
            "attr": "_rendition",
            "args": [BUCKET, location["s3Key"], location["s3VersionId"]],
            "max_pixels": DEFAULT_MAX_IMAGE_PIXELS,
            "max_bytes": DEFAULT_MAX_OBJECT_BYTES,
        }
        work = f"fallback rendition of {case.label}"
        runs.append(_run(endpoint, "detect_labels", work, fallback, calls))
    return runs


def _item_runs(
    endpoint: str, raw: dict[str, Any], stored: dict[str, Any], calls: int
) -> list[FunctionRun]:
    """The steps around the item: transform_metadata, store_metadata, record_failure."""
    execution = "arn:aws:states:us-east-1:123456789012:execution:bench:one"
    store = {
        "imageID": IMAGE_ID,
        "executionArn": execution,
        "metadata": stored,
        "tags": [{"name": "Flower", "confidence": 99.1}],
        "thumbnail": {"s3Bucket": BUCKET, "s3Key": f"Thumbnails/{IMAGE_ID}"},
    }
    failure = {"imageID": IMAGE_ID, "executionArn": execution, "error": "E", "cause": "c"}
    return [
        _run(
            endpoint,
            "transform_metadata",
            "raw -> stored metadata",
            _handler("transform_metadata", raw),
            calls,
        ),
        _run(
            endpoint, "store_metadata", "one UpdateItem", _handler("store_metadata", store), calls
        ),
        _run(
            endpoint, "record_failure", "one UpdateItem", _handler("record_failure", failure), calls
        ),
    ]


def peaks(runs: list[FunctionRun]) -> dict[str, FunctionRun]:
    """Each function's heaviest run (largest peak RSS)."""
    out: dict[str, FunctionRun] = {}
    for run in runs:
        if run.function not in out or run.rss_mib > out[run.function].rss_mib:
            out[run.function] = run
    return out


def table(runs: list[FunctionRun], memory: dict[str, int], timeout_s: float = 30) -> str:
    """Markdown: each run, its peak RSS and its duration at the function's memory size."""
    lines = [
        "| function | work | one core here | CPU | import | peak RSS | memory | at that memory "
        "| of timeout |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        mem = memory.get(r.function)
        scaled = f"{r.lambda_ms(mem):.0f} ms" if mem else "-"
        share = f"{r.lambda_ms(mem) / (timeout_s * 10):.1f} %" if mem else "-"
        lines.append(
            f"| {r.function} | {r.work} | {r.ms:.0f} ms | {r.cpu_ms:.0f} ms | {r.import_ms:.0f} ms "
            f"| {r.rss_mib:.0f} MiB | {mem or '-'} MB | {scaled} | {share} |"
        )
    return "\n".join(lines)


MEMORY_TF = OUT.parent.parent / "modules" / "pipeline" / "memory.tf"


def default_memory() -> dict[str, int]:
    """The per-function defaults of modules/pipeline/memory.tf (``step = MB`` lines), and the
    trigger module's for start_execution."""
    import re

    text = MEMORY_TF.read_text()
    block = text[text.index("measured_memory_sizes") : text.index("}")]
    sizes = {k: int(v) for k, v in re.findall(r"^\s*(\w+)\s*=\s*(\d+)", block, re.MULTILINE)}
    # The trigger's own module: function.memory_size = optional(number, N).
    trigger = (MEMORY_TF.parent.parent / "trigger" / "variables.tf").read_text()
    found = re.search(r"memory_size\s*=\s*optional\(number,\s*(\d+)\)", trigger)
    if found:
        sizes["start_execution"] = int(found.group(1))
    return sizes


def save(runs: list[FunctionRun], path: Path) -> None:
    path.write_text(json.dumps([asdict(r) for r in runs], indent=2) + "\n")


def load(path: Path) -> list[FunctionRun]:
    return [FunctionRun(**r) for r in json.loads(path.read_text())]
