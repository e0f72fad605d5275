"""The local AWS emulator itself: Lambda code runs, state machines run, Terraform round-trips.

Everything is deployed by a small throwaway Terraform config (``stack/``) on the session's
emulator, as users deploy the product.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest
import tftest

from tests.conftest import LocalAws, copy_config, free_port, local_aws_command

HERE = Path(__file__).resolve().parent


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def stack(local_aws: LocalAws, terraform_bin: str, tf_env, tmp_path_factory) -> Any:
    """Apply the throwaway stack once for this module; the round-trip test destroys it."""
    work = tmp_path_factory.mktemp("emulator-stack")
    config = copy_config(HERE / "stack", work / "stack")
    package = _zip(
        work / "functions.zip", {"handlers.py": (HERE / "functions" / "handlers.py").read_bytes()}
    )
    layer = _zip(work / "layer.zip", {"python/layered_lib.py": b"VALUE = 42\n"})
    tf = tftest.TerraformTest(str(config), binary=terraform_bin, env=tf_env)
    tf.setup(upgrade=False)
    tf_vars = {
        "endpoint_url": local_aws.endpoint_url,
        "package_path": str(package),
        "layer_path": str(layer),
    }
    tf.apply(tf_vars=tf_vars)
    outputs = tf.output()
    return {"tf": tf, "vars": tf_vars, "outputs": outputs, "dir": config}


def _invoke(local_aws: LocalAws, name: str, payload: Any) -> tuple[str | None, Any]:
    answer = local_aws.client("lambda").invoke(FunctionName=name, Payload=json.dumps(payload))
    return answer.get("FunctionError"), json.loads(answer["Payload"].read())


def _run_execution(local_aws: LocalAws, arn: str, name: str, payload: Any) -> dict:
    sfn = local_aws.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        if described["status"] != "RUNNING":
            history = sfn.get_execution_history(
                executionArn=execution["executionArn"], maxResults=1000
            )
            return {"described": described, "events": history["events"]}
        time.sleep(0.25)
    pytest.fail(f"execution {name} still RUNNING after 120 s")


def test_invoke_returns_the_handlers_result_with_its_environment(local_aws, stack):
    name = stack["outputs"]["function_names"]["echo"]
    error, payload = _invoke(local_aws, name, {"photo": "a.jpg"})
    assert error is None
    assert payload["event"] == {"photo": "a.jpg"}
    assert payload["greeting"] == "hello from the emulator"
    assert payload["function_name"] == name
    assert payload["endpoint"] == local_aws.endpoint_url
    assert 0 < payload["remaining_ms"] <= 5000


def test_sandbox_stays_warm_until_the_function_changes(local_aws, stack):
    name = stack["outputs"]["function_names"]["echo"]
    _, first = _invoke(local_aws, name, {})
    _, second = _invoke(local_aws, name, {})
    assert second["invocations"] == first["invocations"] + 1  # same warm sandbox
    lam = local_aws.client("lambda")
    original = lam.get_function_configuration(FunctionName=name)["Environment"]
    changed = {"Variables": {**original["Variables"], "GREETING": "changed"}}
    lam.update_function_configuration(FunctionName=name, Environment=changed)
    try:
        _, fresh = _invoke(local_aws, name, {})
        assert (fresh["invocations"], fresh["greeting"]) == (1, "changed")
    finally:
        lam.update_function_configuration(FunctionName=name, Environment=original)


def test_function_sees_only_its_package_its_layers_and_boto3(local_aws, stack):
    name = stack["outputs"]["function_names"]["can_import"]
    modules = ["handlers", "layered_lib", "boto3", "moto", "PIL", "pytest", "tftest"]
    error, found = _invoke(local_aws, name, {"modules": modules})
    assert error is None
    assert found == {
        "handlers": True,
        "layered_lib": True,
        "boto3": True,
        "moto": False,
        "PIL": False,
        "pytest": False,
        "tftest": False,
    }


def test_raised_exception_comes_back_in_aws_error_shape(local_aws, stack):
    name = stack["outputs"]["function_names"]["fail"]
    error, payload = _invoke(local_aws, name, {"value": 7})
    assert error == "Unhandled"
    assert payload["errorType"] == "RejectedInput"
    assert payload["errorMessage"] == "rejected: 7"
    assert any("handlers.py" in frame for frame in payload["stackTrace"])
    assert "about to fail" in local_aws.function_log(name)


def test_function_past_its_timeout_is_killed_and_reported(local_aws, stack):
    name = stack["outputs"]["function_names"]["sleep"]
    started = time.monotonic()
    error, payload = _invoke(local_aws, name, {"seconds": 30})
    elapsed = time.monotonic() - started
    assert error == "Unhandled"
    assert payload["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 2.00 seconds" in payload["errorMessage"]
    assert elapsed < 15, "the function was not killed at its timeout"
    log = local_aws.function_log(name)
    assert "going to sleep" in log
    assert "Task timed out" in log


def test_invocation_output_reaches_cloudwatch_logs(local_aws, stack):
    name = stack["outputs"]["function_names"]["fail"]
    _invoke(local_aws, name, {"value": "logged"})
    logs = local_aws.client("logs")
    events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    messages = [e["message"] for e in events]
    assert "about to fail" in messages
    assert any(m.startswith("REPORT RequestId:") for m in messages)


def _poll(check, timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"nothing after {timeout_s}s")


def test_s3_upload_under_the_prefix_triggers_a_function_that_writes_to_dynamodb(local_aws, stack):
    s3, dynamodb = local_aws.client("s3"), local_aws.client("dynamodb")
    bucket, table = stack["outputs"]["bucket"], stack["outputs"]["table"]
    s3.put_object(Bucket=bucket, Key="Elsewhere/ignored.jpg", Body=b"x")
    s3.put_object(Bucket=bucket, Key="Incoming/red flower+1 ü.jpg", Body=b"x")

    def uploads() -> dict[str, str]:
        items = dynamodb.scan(TableName=table)["Items"]
        return {
            i["id"]["S"]: i["event"]["S"] for i in items if not i["id"]["S"].startswith("attempts/")
        }

    # S3 URL-encodes the key in the event and keeps "/"; nothing came from Elsewhere/.
    assert _poll(uploads) == {"Incoming/red+flower%2B1+%C3%BC.jpg": "ObjectCreated:Put"}


def test_s3_event_that_keeps_failing_reaches_the_on_failure_destination(local_aws, stack):
    name = stack["outputs"]["function_names"]["fail"]
    local_aws.client("s3").put_object(
        Bucket=stack["outputs"]["bucket"], Key="Broken/a.jpg", Body=b"x"
    )
    sqs = local_aws.client("sqs")
    queue = stack["outputs"]["failed_events_queue_url"]
    messages = _poll(lambda: sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages"))
    record = json.loads(messages[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2  # one retry, as configured
    assert record["requestContext"]["functionArn"].startswith(
        f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
    )
    assert record["requestPayload"]["Records"][0]["s3"]["object"]["key"] == "Broken/a.jpg"
    assert record["responsePayload"]["errorType"] == "RejectedInput"


def test_state_machine_runs_choice_parallel_map_and_retry_to_success(local_aws, stack):
    arn = stack["outputs"]["state_machine_arn"]
    run = _run_execution(
        local_aws, arn, "good-input", {"input": {"value": 4}, "run": "good", "items": [1, 2, 3]}
    )
    described = run["described"]
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {"double": 8, "attempts": 3, "doubled": [2, 4, 6]}
    events = run["events"]
    failures = [e for e in events if e["type"] == "LambdaFunctionFailed"]
    # flaky fails twice (attempts 1 and 2), each time with its own error name, then succeeds.
    assert [f["lambdaFunctionFailedEventDetails"]["error"] for f in failures] == ["FlakyError"] * 2
    types = [e["type"] for e in events]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
    for expected in (
        "ChoiceStateEntered",
        "ParallelStateEntered",
        "MapStateEntered",
        "PassStateEntered",
    ):
        assert expected in types


def test_state_machine_takes_the_catch_path_on_a_raised_error(local_aws, stack):
    arn = stack["outputs"]["state_machine_arn"]
    run = _run_execution(
        local_aws, arn, "bad-input", {"input": {"value": 40}, "run": "bad", "items": []}
    )
    described = run["described"]
    assert described["status"] == "FAILED"
    assert described["error"] == "Rejected"
    events = run["events"]
    failed = [e for e in events if e["type"] == "LambdaFunctionFailed"]
    # One retry (MaxAttempts 1), then the Catch on RejectedInput.
    assert [f["lambdaFunctionFailedEventDetails"]["error"] for f in failed] == ["RejectedInput"] * 2
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
    ]
    assert entered[-3:] == ["Reject", "Rejected", "Failed"]


def test_terraform_round_trip_apply_plan_destroy(local_aws, stack, terraform_bin, tf_env):
    """Runs last in this module: a second plan shows no changes, then destroy leaves nothing."""
    tf_vars = [arg for k, v in stack["vars"].items() for arg in ("-var", f"{k}={v}")]
    plan = subprocess.run(
        [terraform_bin, "plan", "-input=false", "-detailed-exitcode", "-lock=false", *tf_vars],
        cwd=stack["dir"],
        env=tf_env,
        capture_output=True,
        text=True,
    )
    assert plan.returncode == 0, plan.stdout + plan.stderr
    stack["tf"].destroy(tf_vars=stack["vars"])
    assert local_aws.client("lambda").list_functions()["Functions"] == []
    assert local_aws.client("lambda").list_layers()["Layers"] == []
    assert local_aws.client("s3").list_buckets()["Buckets"] == []
    assert local_aws.client("dynamodb").list_tables()["TableNames"] == []
    assert local_aws.client("stepfunctions").list_state_machines()["stateMachines"] == []
    roles = local_aws.client("iam").list_roles()["Roles"]
    assert [r["RoleName"] for r in roles if r["RoleName"].startswith("emu-")] == []


def test_second_start_says_so_and_stop_leaves_no_process(tmp_path):
    port, state = free_port(), tmp_path / "state"
    first = local_aws_command(port, state, "start")
    assert first.returncode == 0, first.stderr
    try:
        pid = int((state / "server.pid").read_text().split()[0])
        second = local_aws_command(port, state, "start")
        assert second.returncode == 1
        assert "already running" in second.stderr
        assert local_aws_command(port, state, "start", "--if-not-running").returncode == 0
        assert local_aws_command(port, state, "status").returncode == 0
    finally:
        stopped = local_aws_command(port, state, "stop")
    assert stopped.returncode == 0
    assert "stopped" in stopped.stdout
    assert local_aws_command(port, state, "status").returncode == 3
    leftovers = subprocess.run(["pgrep", "-g", str(pid)], capture_output=True, text=True)
    assert leftovers.stdout.strip() == "", "processes of the emulator's group are still running"


def test_start_refuses_a_port_in_use(tmp_path, local_aws):
    refused = local_aws_command(local_aws.port, tmp_path / "other", "start")
    assert refused.returncode == 1
    assert f"port {local_aws.port}" in refused.stderr


def test_browser_preflight_for_lambda_invoke_is_allowed(local_aws):
    request = urllib.request.Request(
        f"{local_aws.endpoint_url}/2015-03-31/functions/any/invocations",
        method="OPTIONS",
        headers={
            "Origin": "http://127.0.0.1:5173",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:5173"
        assert "authorization" in answer.headers["Access-Control-Allow-Headers"]


def test_detect_labels_reads_the_object_and_honours_its_limits(local_aws):
    s3, rekognition = local_aws.client("s3"), local_aws.client("rekognition")
    s3.create_bucket(Bucket="labels-test")
    s3.put_object(Bucket="labels-test", Key="photo.jpg", Body=b"jpeg bytes")
    image = {"S3Object": {"Bucket": "labels-test", "Name": "photo.jpg"}}
    labels = rekognition.detect_labels(Image=image, MaxLabels=10, MinConfidence=60)["Labels"]
    assert labels and all(label["Confidence"] >= 60 for label in labels)
    assert rekognition.detect_labels(Image=image, MinConfidence=99.99)["Labels"] == []
    missing = {"S3Object": {"Bucket": "labels-test", "Name": "missing.jpg"}}
    with pytest.raises(rekognition.exceptions.InvalidS3ObjectException):
        rekognition.detect_labels(Image=missing)
    s3.delete_object(Bucket="labels-test", Key="photo.jpg")
    s3.delete_bucket(Bucket="labels-test")


def test_a_local_labeller_plugs_into_detect_labels(tmp_path):
    port, state = free_port(), tmp_path / "state"
    labeller = HERE / "functions" / "labeller.py"
    started = local_aws_command(
        port, state, "start", env={"LOCAL_AWS_LABELLER": f"{labeller}:label"}
    )
    assert started.returncode == 0, started.stderr
    try:
        emulator = LocalAws(port, state)
        rekognition = emulator.client("rekognition")
        answer = rekognition.detect_labels(Image={"Bytes": b"12345"}, MaxLabels=5, MinConfidence=50)
        assert [label["Name"] for label in answer["Labels"]] == ["Bytes", "Size 5"]
    finally:
        local_aws_command(port, state, "stop")


# Terraform's AWS provider (5.100.0) polls after a create until the emulator's answer matches
# what it expects, and some waiters then keep polling a fixed number of times (lifecycle
# configuration: 10 s, then ten matching reads 5 s apart; function: 5 s, then one read). The
# emulator cannot shorten those waits; an answer that never matches turns each into a timeout.


def test_lifecycle_configuration_reads_back_exactly_as_put(local_aws):
    """aws_s3_bucket_lifecycle_configuration (provider 5.100.0) waits for ten reads in a row
    that equal, field for field, what it put: ``filter {}`` goes out as an empty Prefix and must
    come back as one, or apply waits its 3 minutes and fails."""
    s3 = local_aws.client("s3")
    s3.create_bucket(Bucket="lifecycle-test")
    rules = [
        {
            "ID": "expire-noncurrent-versions",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
        }
    ]
    try:
        s3.put_bucket_lifecycle_configuration(
            Bucket="lifecycle-test",
            LifecycleConfiguration={"Rules": rules},
            TransitionDefaultMinimumObjectSize="all_storage_classes_128K",
        )
        got = s3.get_bucket_lifecycle_configuration(Bucket="lifecycle-test")
        assert got["Rules"] == rules
        assert got["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    finally:
        s3.delete_bucket(Bucket="lifecycle-test")


def test_created_function_is_active_and_its_updates_successful_at_once(local_aws, tmp_path):
    """aws_lambda_function polls GetFunction until State is Active after a create and until
    LastUpdateStatus is Successful after an update; an emulator that stayed Pending or
    InProgress would hold apply until the resource's 10-minute timeout."""
    iam, lam = local_aws.client("iam"), local_aws.client("lambda")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName="active-test", AssumeRolePolicyDocument=json.dumps(trust))
    package = _zip(
        tmp_path / "active.zip",
        {"handlers.py": b"def handler(event, context):\n    return event\n"},
    )
    try:
        created = lam.create_function(
            FunctionName="active-test",
            Runtime="python3.11",
            Role=role["Role"]["Arn"],
            Handler="handlers.handler",
            Code={"ZipFile": package.read_bytes()},
        )
        assert created["State"] == "Active"
        read = lam.get_function(FunctionName="active-test")["Configuration"]
        assert (read["State"], read["LastUpdateStatus"]) == ("Active", "Successful")
        lam.update_function_configuration(FunctionName="active-test", Timeout=5)
        updated = lam.get_function_configuration(FunctionName="active-test")
        assert (updated["State"], updated["LastUpdateStatus"]) == ("Active", "Successful")
    finally:
        lam.delete_function(FunctionName="active-test")
        iam.delete_role(RoleName="active-test")
