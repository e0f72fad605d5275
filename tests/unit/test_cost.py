"""tools/cost_model.py: the arithmetic of `make cost` (no emulator, no AWS)."""

from __future__ import annotations

import base64
import math

import pytest
from cost_model import (
    PRICES,
    Invocation,
    Usage,
    bill,
    critical_path_ms,
    express_billed,
    express_gb_seconds,
    gb_seconds,
    infrastructure_share,
    item_size,
    lambda_billed_ms,
    lambda_ms,
    lambda_step,
    parallel_branches,
    percent,
    read_units,
    state_transitions,
    states_run,
    table,
    write_units,
)
from cost_run import PROBE_AGENT, classify


def entered(name: str, kind: str = "Task") -> dict:
    return {"type": f"{kind}StateEntered", "stateEnteredEventDetails": {"name": name}}


def exited(name: str, kind: str = "Task") -> dict:
    return {"type": f"{kind}StateExited", "stateExitedEventDetails": {"name": name}}


def lambda_scheduled(function: str) -> dict:
    arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function}"
    return {
        "type": "LambdaFunctionScheduled",
        "lambdaFunctionScheduledEventDetails": {"resource": arn},
    }


def task_scheduled(resource: str, resource_type: str) -> dict:
    details = {"resource": resource, "resourceType": resource_type}
    return {"type": "TaskScheduled", "taskScheduledEventDetails": details}


# ----------------------------------------------------------------------------------- Lambda


@pytest.mark.parametrize(
    ("ms", "memory", "expected"),
    [
        (100, 1769, 100),  # one vCPU: as measured on one core
        (100, 3538, 100),  # more than one vCPU: a single thread is no faster
        (100, 128, 100 * 1769 / 128),  # 1/13.8 of a core
        (100, 1024, 100 * 1769 / 1024),
    ],
)
def test_lambda_ms_scales_with_the_cpu_share_of_memory(ms, memory, expected):
    assert lambda_ms(ms, memory) == pytest.approx(expected)


def test_lambda_ms_refuses_no_memory():
    with pytest.raises(ValueError):
        lambda_ms(10, 0)


@pytest.mark.parametrize(
    ("ms", "billed"), [(0.2, 1), (1.0, 1), (1.0001, 2), (41.3, 42), (250, 250)]
)
def test_lambda_bills_whole_milliseconds_rounded_up(ms, billed):
    assert lambda_billed_ms(ms) == billed


def test_gb_seconds():
    assert gb_seconds(1000, 1024) == 1.0
    assert gb_seconds(500, 128) == pytest.approx(0.0625)


def test_cpu_bound_work_costs_the_same_gb_seconds_below_one_vcpu():
    at = [gb_seconds(lambda_ms(100, m), m) for m in (128, 512, 1024, 1769)]
    assert at == pytest.approx([at[0]] * 4)
    assert gb_seconds(lambda_ms(100, 3538), 3538) == pytest.approx(2 * at[0])


# ----------------------------------------------------------------------------- Express


@pytest.mark.parametrize(
    ("ms", "mb", "billed"),
    [
        (1, 1, (100, 64)),
        (100, 64, (100, 64)),
        (101, 65, (200, 128)),
        (1234, 50, (1300, 64)),
        (0, 0, (100, 64)),
    ],
)
def test_express_rounds_up_to_100_ms_and_64_mb(ms, mb, billed):
    assert express_billed(ms, mb) == billed


def test_express_gb_seconds():
    assert express_gb_seconds(1234, 64) == pytest.approx(1.3 * 64 / 1024)


# ---------------------------------------------------------------------- execution history


def test_transitions_count_states_entered_and_retries():
    history = [
        {"type": "ExecutionStarted"},
        entered("A"),
        lambda_scheduled("f"),
        {"type": "LambdaFunctionFailed"},
        lambda_scheduled("f"),  # a retry: one more transition
        {"type": "LambdaFunctionSucceeded"},
        exited("A"),
        entered("Choose", "Choice"),
        exited("Choose", "Choice"),
        entered("P", "Parallel"),
        entered("B"),
        task_scheduled("detectLabels", "aws-sdk:rekognition"),
        {"type": "TaskSucceeded"},
        exited("B"),
        exited("P", "Parallel"),
        {"type": "ExecutionSucceeded"},
    ]
    assert state_transitions(history) == 5
    assert state_transitions(history[:7]) == 2
    assert state_transitions([]) == 0


def test_states_run_tells_interleaved_branches_and_retries_apart():
    history = [
        entered("Extract"),
        lambda_scheduled("p-extract"),
        {"type": "LambdaFunctionFailed"},
        lambda_scheduled("p-extract"),
        {"type": "LambdaFunctionSucceeded"},
        exited("Extract"),
        entered("P", "Parallel"),
        entered("Labels"),
        task_scheduled("detectLabels", "aws-sdk:rekognition"),
        entered("Thumb"),
        lambda_scheduled("p-thumb"),
        {"type": "TaskSucceeded"},
        exited("Labels"),
        {"type": "LambdaFunctionSucceeded"},
        exited("Thumb"),
        exited("P", "Parallel"),
    ]
    ran = states_run(history)
    assert [(s.name, s.kind, s.resource_type, s.attempts) for s in ran] == [
        ("Extract", "Task", "lambda", 2),
        ("P", "Parallel", "", 0),
        ("Labels", "Task", "aws-sdk:rekognition", 1),
        ("Thumb", "Task", "lambda", 1),
    ]
    assert ran[3].resource.endswith(":function:p-thumb")
    names = {"extract_metadata": "p-extract", "generate_thumbnail": "p-thumb"}
    assert lambda_step(ran[0].resource, names) == "extract_metadata"
    assert lambda_step(ran[3].resource, names) == "generate_thumbnail"
    assert lambda_step("arn:aws:lambda:us-east-1:1:function:other", names) is None


DEFINITION = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Task", "Next": "P"},
        "P": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "C", "States": {"C": {"Type": "Choice"}, "L": {"Type": "Task"}}},
                {"StartAt": "T", "States": {"T": {"Type": "Task"}}},
            ],
            "Next": "S",
        },
        "S": {"Type": "Task", "End": True},
    },
}


def test_parallel_branches_from_the_definition():
    assert parallel_branches(DEFINITION) == {"C": ("P", 0), "L": ("P", 0), "T": ("P", 1)}


def test_critical_path_takes_the_longest_branch():
    branches = parallel_branches(DEFINITION)
    ran = [("A", 100.0), ("P", 0.0), ("C", 0.0), ("L", 1000.0), ("T", 300.0), ("S", 50.0)]
    assert critical_path_ms(ran, branches) == 1150
    # 5 ms a state: A, P, S and the longer branch's two states
    assert critical_path_ms(ran, branches, per_state_ms=5) == 1150 + 5 * 5
    # a slower thumbnail makes its branch the critical one
    slow = [(n, 2000.0 if n == "T" else ms) for n, ms in ran]
    assert critical_path_ms(slow, branches) == 2150
    assert critical_path_ms([], branches) == 0


# ------------------------------------------------------------------------------- DynamoDB


@pytest.mark.parametrize(("size", "units"), [(1, 1), (1024, 1), (1025, 2), (3000, 3)])
def test_write_units_per_started_kb(size, units):
    assert write_units(size) == units


def test_read_units_per_4_kb_half_when_eventually_consistent():
    assert read_units(100, consistent=True) == 1
    assert read_units(100, consistent=False) == 0.5
    assert read_units(4097, consistent=True) == 2


def test_item_size_counts_names_and_values():
    item = {
        "imageID": {"S": "abc"},  # 7 + 3
        "fileSize": {"N": "12345"},  # 8 + ceil(5 digits / 2) + 1
        "ok": {"BOOL": True},  # 2 + 1
        "tags": {"L": [{"S": "Flower"}]},  # 4 + 3 + (6 + 1)
        "thumbnail": {"M": {"s3Key": {"S": "k"}}},  # 9 + 3 + (5 + 1 + 1)
    }
    assert item_size(item) == 10 + 12 + 3 + 14 + 19


# ----------------------------------------------------------------------------------- bill


def usage(**changes) -> Usage:
    base = Usage(
        "test",
        "arm64",
        lambdas=[Invocation("extract_metadata", 256, 100), Invocation("store_metadata", 128, 50)],
        transitions=8,
        s3={"GET": 2, "HEAD": 1, "PUT": 1},
        dynamodb_write_units=3,
        dynamodb_read_units=0.5,
        rekognition_images=1,
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def test_bill_of_a_standard_configuration():
    lines = {line.service: line for line in bill(usage(), PRICES, images=1000)}
    gb_s = (0.1 * 0.25 + 0.05 * 0.125) * 1000
    assert lines["Lambda compute (arm64)"].usd == pytest.approx(gb_s * 0.0000133334)
    assert lines["Lambda requests"].usd == pytest.approx(2000 * 0.20 / 1e6)
    assert lines["Step Functions Standard"].usd == pytest.approx(8000 * 0.025 / 1000)
    assert lines["S3 requests"].usd == pytest.approx(1000 * 0.005 / 1000 + 3000 * 0.0004 / 1000)
    assert lines["DynamoDB on-demand"].usd == pytest.approx(3000 * 0.625 / 1e6 + 500 * 0.125 / 1e6)
    assert lines["Rekognition DetectLabels"].usd == pytest.approx(1.0)
    assert not lines["Rekognition DetectLabels"].infrastructure
    assert "Express duration" not in lines


def test_bill_of_an_express_configuration():
    lines = {line.service: line for line in bill(usage(express=(1234.0, 64)), PRICES, 1000)}
    assert "Step Functions Standard" not in lines
    assert lines["Express requests"].usd == pytest.approx(1000 / 1e6)
    assert lines["Express duration"].usd == pytest.approx(1000 * 1.3 * 0.0625 * 0.00001667)
    assert "1300 ms x 64 MB" in lines["Express duration"].quantity


def test_x86_costs_a_quarter_more_than_arm():
    arm = bill(usage(), PRICES)[0].usd
    x86 = bill(usage(architecture="x86_64"), PRICES)[0].usd
    assert x86 / arm == pytest.approx(0.0000166667 / 0.0000133334)


def test_infrastructure_share_of_rekognition():
    lines = bill(usage(), PRICES, 1000)
    infra = sum(line.usd for line in lines if line.infrastructure)
    assert infrastructure_share(lines) == pytest.approx(100 * infra / 1.0)
    # Standard's 8 transitions alone are 20 % of DetectLabels
    assert infrastructure_share(lines) > 20


def test_percent():
    assert percent(5, 100) == 5
    assert percent(0, 0) == 0
    assert math.isinf(percent(1, 0))


def test_table_is_fixed_width_with_totals():
    text = table("ours", bill(usage(), PRICES, 1000))
    rows = text.splitlines()
    assert rows[0] == "ours" and set(rows[1]) == {"-"}
    priced = [row for row in rows[2:]]
    assert len({row.index("$") for row in priced}) == 1  # one column of dollars
    assert rows[-1].split()[0] == "total"
    total = sum(line.usd for line in bill(usage(), PRICES, 1000))
    assert rows[-1].endswith(f"${total:>10.4f}")


# ------------------------------------------------------------------------ recorded requests


def recorded(method: str, url: str, service: str, target: str = "", agent: str = "Boto3") -> dict:
    headers = {
        "User-Agent": agent,
        "Authorization": "AWS4-HMAC-SHA256 "
        f"Credential=test/20261201/us-east-1/{service}/aws4_request",
    }
    if target:
        headers["X-Amz-Target"] = target
    return {
        "method": method,
        "url": url,
        "headers": headers,
        "body": base64.b64encode(b"").decode(),
    }


@pytest.mark.parametrize(
    ("entry", "kind"),
    [
        (recorded("GET", "http://127.0.0.1:4590/b/Incoming/x.jpg", "s3"), "s3:GET"),
        (recorded("HEAD", "http://127.0.0.1:4590/b/Incoming/x.jpg", "s3"), "s3:HEAD"),
        (recorded("PUT", "http://127.0.0.1:4590/b/Thumbnails/x.jpg", "s3"), "s3:PUT"),
        (recorded("GET", "http://127.0.0.1:4590/b?list-type=2&prefix=I", "s3"), "s3:LIST"),
        (recorded("GET", "http://127.0.0.1:4590/b/k?versions", "s3"), "s3:LIST"),
        (recorded("POST", "/", "dynamodb", "DynamoDB_20120810.UpdateItem"), "dynamodb:UpdateItem"),
        (
            recorded("POST", "/", "states", "AWSStepFunctions.StartExecution"),
            "states:StartExecution",
        ),
        (
            recorded("POST", "/", "rekognition", "RekognitionService.DetectLabels"),
            "rekognition:DetectLabels",
        ),
        (recorded("POST", "/2015-03-31/functions/f/invocations", "lambda"), "lambda:Invoke"),
        (recorded("GET", "/b/k", "s3", agent=f"Boto3 {PROBE_AGENT}"), None),
    ],
)
def test_classify_recorded_requests(entry, kind):
    assert classify(entry) == kind


def test_the_readme_shows_the_latest_make_cost_output():
    """docs/cost.md keeps make cost's latest output; the README shows the same text."""
    from tests.conftest import ROOT

    def table(path):
        text = (ROOT / path).read_text()
        start = text.index("```text\nCost of 1,000 images")
        return text[start : text.index("```\n", start + 8)]

    readme = table("README.md")
    assert readme == table("docs/cost.md")
    assert "Infrastructure cost as a share of the Rekognition cost" in readme
