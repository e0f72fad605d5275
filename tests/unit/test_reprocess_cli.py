"""`image-pipeline reprocess` on moto in process: the environment's outputs, the keys it picks,
one JSON object on stdout and the exit status."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from image_pipeline import cli

from tests.unit.conftest import BUCKET, OWNER, STATE_MACHINE_ARN, TABLE

KEYS = [f"Incoming/{OWNER}/a/1.jpg", f"Incoming/{OWNER}/a/2.jpg", f"Incoming/{OWNER}/b/1.jpg"]


@pytest.fixture
def terraform(tmp_path: Path) -> str:
    """A stand-in for `terraform -chdir=DIR output -json` of an applied environment."""
    outputs = {
        "bucket_name": {"value": BUCKET},
        "image_metadata_table_name": {"value": TABLE},
        "state_machine_arn": {"value": STATE_MACHINE_ARN},
    }
    script = tmp_path / "terraform"
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{json.dumps(outputs)}\nEOF\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def _run(capsys, terraform: str, *which: str) -> tuple[int, dict, str]:
    code = cli.main(
        ["reprocess", "--env-dir", ".", "--terraform", terraform, "--timeout", "0", *which]
    )
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 1, out  # one JSON object, the logs on stderr
    return code, json.loads(lines[0]), err


def _succeeded(table, key: str) -> None:
    table.put_item(
        Item={
            "imageID": key.removeprefix("Incoming/"),
            "s3key": key,
            "userID": OWNER,
            "uploadTime": 1,
            "executionName": "old",
            "executionArn": STATE_MACHINE_ARN.replace("stateMachine", "execution") + ":old",
            "processingStatus": "SUCCEEDED",
        }
    )


def test_a_prefix_starts_exactly_its_photos(stack, terraform, capsys):
    for key in KEYS:
        stack["s3"].put_object(Bucket=BUCKET, Key=key, Body=b"x")
        _succeeded(stack["table"], key)

    code, summary, err = _run(capsys, terraform, "--prefix", f"Incoming/{OWNER}/a/")

    # Nothing runs the executions here: they are still RUNNING when --timeout 0 is up.
    assert (summary["started"], summary["failed"], summary["pending"]) == (2, 0, 2)
    assert code == 1 and "Reprocessing" in err
    names = [
        e["name"]
        for e in stack["sfn"].list_executions(stateMachineArn=STATE_MACHINE_ARN)["executions"]
    ]
    assert len(names) == 2 and all(n.endswith("-r" + summary["run"]) for n in names)
    items = [stack["table"].get_item(Key={"imageID": k.removeprefix("Incoming/")}) for k in KEYS]
    owners = [got["Item"]["executionName"] for got in items]
    assert sorted(owners[:2]) == sorted(names)
    assert owners[2] == "old"  # outside the prefix: still the old run's


def test_wait_is_given_the_started_execution_names(stack, terraform, capsys, monkeypatch):
    from image_pipeline import executions, reprocess

    stack["s3"].put_object(Bucket=BUCKET, Key=KEYS[0], Body=b"x")
    image_id = KEYS[0].removeprefix("Incoming/")
    express = STATE_MACHINE_ARN.replace(":stateMachine:", ":express:")
    monkeypatch.setattr(
        executions, "start", lambda machine, name, payload: f"{express}:{name}:0a1b2c3d-uuid"
    )
    waited: dict[str, str] = {}

    def wait(table, started, timeout_s):
        waited.update(started)
        return dict.fromkeys(started, "SUCCEEDED")

    monkeypatch.setattr(reprocess, "wait", wait)

    code, summary, _ = _run(capsys, terraform, "--key", KEYS[0])

    assert code == 0 and summary["started"] == 1
    item = stack["table"].get_item(Key={"imageID": image_id})["Item"]
    assert waited == {image_id: item["executionName"]}
    assert item["executionName"].endswith("-r" + summary["run"])
    assert item["executionArn"] == f"{express}:{item['executionName']}:0a1b2c3d-uuid"


def test_finished_runs_are_counted_and_exit_0(stack, terraform, capsys, monkeypatch):
    from image_pipeline import reprocess

    stack["s3"].put_object(Bucket=BUCKET, Key=KEYS[0], Body=b"x")
    monkeypatch.setattr(
        reprocess, "wait", lambda table, started, timeout_s: dict.fromkeys(started, "SUCCEEDED")
    )

    code, summary, _ = _run(capsys, terraform, "--key", KEYS[0])

    assert code == 0 and summary["started"] == summary["succeeded"] == 1 and summary["failed"] == 0


def test_a_failed_run_exits_1(stack, terraform, capsys, monkeypatch):
    from image_pipeline import reprocess

    stack["s3"].put_object(Bucket=BUCKET, Key=KEYS[0], Body=b"x")
    monkeypatch.setattr(
        reprocess, "wait", lambda table, started, timeout_s: dict.fromkeys(started, "FAILED")
    )

    code, summary, _ = _run(capsys, terraform, "--all")

    assert code == 1 and summary["failed"] == 1
    assert summary["failures"] == [{"s3Key": KEYS[0], "error": "FAILED"}]


def test_a_missing_key_starts_nothing(stack, terraform, capsys):
    code, summary, _ = _run(capsys, terraform, "--key", f"Incoming/{OWNER}/none.jpg")
    assert code == 0 and summary["started"] == 0 and summary["skipped"] == 1


@pytest.mark.parametrize("which", ["--prefix", "--key"])
def test_a_key_or_prefix_outside_incoming_is_refused(stack, terraform, capsys, which):
    code = cli.main(
        ["reprocess", "--env-dir", ".", "--terraform", terraform, which, "Thumbnails/x.jpg"]
    )
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert json.loads(err.splitlines()[-1])["error"] == "InvalidInput"


def test_an_environment_without_outputs_is_refused(tmp_path, capsys):
    script = tmp_path / "terraform"
    script.write_text("#!/bin/sh\necho '{}'\n")
    script.chmod(0o755)
    code = cli.main(["reprocess", "--env-dir", ".", "--terraform", str(script), "--all"])
    assert code == 2
    assert "bucket_name" in json.loads(capsys.readouterr().err.splitlines()[-1])["cause"]


def test_exactly_one_selection_is_required(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["reprocess", "--env-dir", ".", "--all", "--key", "k"])
    assert exited.value.code == 2
