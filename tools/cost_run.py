"""One real execution per workflow type on a private emulator, and what it did.

`make cost` runs this through tools/cost.py. It starts its own emulator (another port and
state directory than `make up`'s), applies environments/local there with its own Terraform
state and data directory (never `make up`'s), uploads a fixture photo to warm every function,
then records a second photo's every API call (moto's request recorder), waits for SUCCEEDED
and reads the execution history, the Lambda REPORT lines and the stored item. Then it stops
the emulator, which discards everything it held, and forgets that state.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENV_DIR = ROOT / "environments" / "local"
FIXTURE = ROOT / "tests" / "fixtures" / "images" / "r_canon.jpg"
PROBE_AGENT = "image-pipeline-cost-probe"  # our own calls, left out of the counts
WAIT_S = 120


@dataclass
class Run:
    """One photo's execution and every request it caused."""

    workflow: str  # STANDARD or EXPRESS (as deployed)
    history: list[dict[str, Any]]
    definition: dict[str, Any]
    # function step (extract_metadata, ...) -> warm REPORT durations (ms) of this photo
    reports: dict[str, list[float]] = field(default_factory=dict)
    memory: dict[str, int] = field(default_factory=dict)  # step -> MemorySize deployed
    function_names: dict[str, str] = field(default_factory=dict)  # step -> function name
    calls: Counter[str] = field(default_factory=Counter)  # "s3:GET", "dynamodb:UpdateItem"
    consistent_reads: int = 0
    item_bytes: int = 0
    rekognition_s3_reads: int = 0  # DetectLabels calls that name an S3 object
    notes: list[str] = field(default_factory=list)


def _run(cmd: list[str], env: dict[str, str], quiet: bool = True) -> str:
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(
            f"cost: {' '.join(cmd[:4])} ... failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    if not quiet:
        print(done.stdout, end="", file=sys.stderr)
    return done.stdout


def _post(endpoint: str, path: str) -> bytes:
    request = urllib.request.Request(f"{endpoint}{path}", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def _get(endpoint: str, path: str) -> bytes:
    with urllib.request.urlopen(f"{endpoint}{path}", timeout=60) as response:
        return response.read()


def classify(entry: dict[str, Any]) -> str | None:
    """One recorded request -> "service:Operation" (S3: "s3:GET" / PUT / HEAD / LIST)."""
    headers = {k.lower(): v for k, v in entry.get("headers", {}).items()}
    if PROBE_AGENT in headers.get("user-agent", ""):
        return None
    target = headers.get("x-amz-target", "")
    scope = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", headers.get("authorization", ""))
    service = scope.group(1) if scope else ""
    if target:
        return f"{service or target.split('.')[0]}:{target.split('.')[-1]}"
    url, method = entry.get("url", ""), entry.get("method", "")
    if service == "s3" or (not service and "/moto-api" not in url):
        path = re.sub(r"^https?://[^/]+", "", url)
        bucket_only = "/" not in path.split("?")[0].strip("/")
        if method == "GET" and (bucket_only or "list-type" in path or "versions" in path):
            return "s3:LIST"
        return f"s3:{method}"
    if service == "lambda" and "/invocations" in url:
        return "lambda:Invoke"
    return f"{service}:{method}" if service else None


def _body(entry: dict[str, Any]) -> str:
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        try:
            return base64.b64decode(body).decode("utf-8", "replace")
        except ValueError:
            return ""
    return body


class Emulator:
    """A private emulator and a private Terraform state of environments/local on it."""

    def __init__(self, python: str, port: int, state_dir: Path, runtime: str) -> None:
        self.python, self.port, self.runtime = python, port, runtime
        self.state_dir = state_dir.resolve()
        self.work = self.state_dir.parent
        self.endpoint = f"http://127.0.0.1:{port}"
        self.recording = self.state_dir / "recording.jsonl"
        self.tfstate = self.work / "terraform.tfstate"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT / "tools"),
            "MOTO_RECORDER_FILEPATH": str(self.recording),
            "TF_DATA_DIR": str(self.work / "tf-data"),  # not environments/local/.terraform
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
        }

    def local_aws(self, *args: str) -> str:
        cmd = [self.python, "-m", "local_aws", "--port", str(self.port)]
        return _run([*cmd, "--state-dir", str(self.state_dir), *args], self.env)

    def start(self) -> None:
        self.stop()
        shutil.rmtree(self.state_dir, ignore_errors=True)
        self.tfstate.unlink(missing_ok=True)
        self.state_dir.mkdir(parents=True)
        print(f"cost: {self.local_aws('start').strip()}", file=sys.stderr)
        tf = ["terraform", f"-chdir={ENV_DIR}", "init", "-input=false"]
        _run(tf, self.env)

    def apply(self, workflow: str) -> dict[str, Any]:
        print(
            f"cost: terraform apply environments/local ({workflow}) on the emulator",
            file=sys.stderr,
        )
        env = {**self.env, "TF_VAR_state_machine_type": workflow}
        tf = ["terraform", f"-chdir={ENV_DIR}"]
        _run(
            [
                *tf,
                "apply",
                "-input=false",
                "-auto-approve",
                f"-state={self.tfstate}",
                f"-var=aws_endpoint_url={self.endpoint}",
                f"-var=runtime={self.runtime}",
            ],
            env,
        )
        out = _run([*tf, "output", f"-state={self.tfstate}", "-json"], env)
        return {k: v["value"] for k, v in json.loads(out).items()}

    def stop(self) -> None:
        cmd = [self.python, "-m", "local_aws", "--port", str(self.port)]
        subprocess.run(
            [*cmd, "--state-dir", str(self.state_dir), "stop"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
        )

    def forget(self) -> None:
        """The emulator's state went with it: drop the Terraform state that described it."""
        self.tfstate.unlink(missing_ok=True)
        Path(f"{self.tfstate}.backup").unlink(missing_ok=True)


def _clients(endpoint: str) -> dict[str, Any]:
    import boto3
    from botocore.config import Config

    config = Config(user_agent_extra=PROBE_AGENT, retries={"max_attempts": 2})
    kwargs = {
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
        "config": config,
    }
    return {
        s: boto3.client(s, **kwargs) for s in ("s3", "dynamodb", "stepfunctions", "logs", "lambda")
    }


def _upload(c: dict[str, Any], outputs: dict[str, Any], run: str) -> str:
    key = f"Incoming/cost/{run}/{FIXTURE.name}"
    c["s3"].put_object(
        Bucket=outputs["bucket_name"],
        Key=key,
        Body=FIXTURE.read_bytes(),
        ContentType="image/jpeg",
        Metadata={"userid": "cost", "albumid": "cost"},
    )
    return key.removeprefix("Incoming/")


def _wait(c: dict[str, Any], table: str, image_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        item = c["dynamodb"].get_item(TableName=table, Key={"imageID": {"S": image_id}}).get("Item")
        status = (item or {}).get("processingStatus", {}).get("S")
        if status in {"SUCCEEDED", "FAILED"}:
            if status != "SUCCEEDED":
                sys.exit(f"cost: the execution of {image_id} ended {status}: {item}")
            return item or {}
        time.sleep(0.5)
    sys.exit(f"cost: {image_id} did not finish within {WAIT_S} s")


def _history(c: dict[str, Any], arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
    while True:
        page = c["stepfunctions"].get_execution_history(**kwargs)
        events.extend(page["events"])
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


def _reports(c: dict[str, Any], names: dict[str, str], since_ms: int) -> dict[str, list[float]]:
    """Each function's REPORT durations since ``since_ms`` (its CloudWatch log group)."""
    out: dict[str, list[float]] = {}
    for step, name in names.items():
        kwargs: dict[str, Any] = {"logGroupName": f"/aws/lambda/{name}", "startTime": since_ms}
        try:
            while True:
                page = c["logs"].filter_log_events(**kwargs)
                for event in page.get("events", []):
                    found = re.search(
                        r"REPORT RequestId: \S+\s+Duration: ([\d.]+) ms", event["message"]
                    )
                    if found:
                        out.setdefault(step, []).append(float(found.group(1)))
                if not page.get("nextToken"):
                    break
                kwargs["nextToken"] = page["nextToken"]
        except c["logs"].exceptions.ResourceNotFoundException:
            continue
    return out


def _logged_history(c: dict[str, Any], machine: dict[str, Any], arn: str) -> list[dict[str, Any]]:
    """An EXPRESS execution's events from the state machine's CloudWatch log group (AWS logs
    them there as JSON: id, type, details, execution_arn), as history events."""
    destinations = (machine.get("loggingConfiguration") or {}).get("destinations") or []
    group_arn = (destinations[0].get("cloudWatchLogsLogGroup") or {}).get("logGroupArn", "")
    group = group_arn.split(":log-group:")[-1].removesuffix(":*") if destinations else ""
    if not group:
        return []
    records = []
    kwargs: dict[str, Any] = {"logGroupName": group}
    while True:
        page = c["logs"].filter_log_events(**kwargs)
        for event in page.get("events", []):
            try:
                record = json.loads(event["message"])
            except ValueError:
                continue
            if record.get("execution_arn") == arn:
                records.append(record)
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    records.sort(key=lambda r: int(r.get("id", 0)))
    return [{"type": r.get("type", ""), "eventDetails": r.get("details") or {}} for r in records]


def measure_run(emulator: Emulator, workflow: str, outputs: dict[str, Any], tag: str) -> Run:
    """Warm every function with one photo, then record a second photo's execution."""
    from cost_model import item_size

    c = _clients(emulator.endpoint)
    table = outputs["image_metadata_table_name"]
    _wait(c, table, _upload(c, outputs, f"{tag}-warm"))
    _post(emulator.endpoint, "/moto-api/recorder/reset-recording")
    _post(emulator.endpoint, "/moto-api/recorder/start-recording")
    since = int(time.time() * 1000)
    item = _wait(c, table, _upload(c, outputs, tag))
    time.sleep(1)  # the last step's REPORT line and its own calls
    _post(emulator.endpoint, "/moto-api/recorder/stop-recording")
    entries = [json.loads(line) for line in emulator.recording.read_text().splitlines() if line]
    arn = item["executionArn"]["S"]
    machine = c["stepfunctions"].describe_state_machine(
        stateMachineArn=outputs["state_machine_arn"]
    )
    run = Run(
        workflow=machine.get("type", workflow),
        history=[],
        definition=json.loads(machine["definition"]),
    )
    try:
        run.history = _history(c, arn)
    except Exception as exc:  # AWS keeps no history of EXPRESS executions: its log has it
        run.history = _logged_history(c, machine, arn)
        how = f"its log group ({len(run.history)} events)" if run.history else "nowhere"
        run.notes.append(
            f"{run.workflow}: GetExecutionHistory refused ({exc.__class__.__name__}, as on "
            f"AWS); the execution's events read from {how}"
        )
    names = run.function_names = outputs["function_names"]
    run.reports = _reports(c, names, since)
    for step, name in names.items():
        config = c["lambda"].get_function_configuration(FunctionName=name)
        run.memory[step] = int(config["MemorySize"])
    for entry in entries:
        kind = classify(entry)
        if kind is None:
            continue
        run.calls[kind] += 1
        body = _body(entry)
        if kind in {
            "dynamodb:GetItem",
            "dynamodb:Query",
        } and '"ConsistentRead": true' in body.replace(
            '"ConsistentRead":true', '"ConsistentRead": true'
        ):
            run.consistent_reads += 1
        if kind == "rekognition:DetectLabels" and "S3Object" in body:
            run.rekognition_s3_reads += 1
    run.item_bytes = item_size(item)
    return run


def measure_runs(
    python: str, port: int, state_dir: Path, runtime: str, workflows: list[str]
) -> list[Run]:
    emulator = Emulator(python, port, state_dir, runtime)
    runs = []
    try:
        emulator.start()
        for workflow in workflows:
            outputs = emulator.apply(workflow)
            runs.append(measure_run(emulator, workflow, outputs, workflow.lower()))
    finally:
        emulator.stop()
        emulator.forget()
    return runs


def supports_express() -> bool:
    """environments/local takes the workflow type (TF_VAR_state_machine_type)."""
    return 'variable "state_machine_type"' in (ENV_DIR / "variables.tf").read_text()
