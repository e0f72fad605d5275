"""The local AWS emulator itself: Lambda code runs, state machines run, Terraform round-trips.

Everything is deployed by a small throwaway Terraform config (``stack/``) on the session's
emulator, as users deploy the product.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
import tftest
from botocore.config import Config

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


@pytest.mark.emulator  # starts its own emulator: no local_aws fixture marks it
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


def test_browser_preflight_on_an_existing_object_is_answered_from_cors(local_aws):
    s3 = local_aws.client("s3")
    s3.create_bucket(Bucket="preflight-test")
    s3.put_bucket_cors(
        Bucket="preflight-test",
        CORSConfiguration={
            "CORSRules": [
                {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"], "AllowedHeaders": ["*"]}
            ]
        },
    )
    s3.put_object(Bucket="preflight-test", Key="Thumbnails/a.jpg", Body=b"x")
    request = urllib.request.Request(
        f"{local_aws.endpoint_url}/preflight-test/Thumbnails/a.jpg",
        method="OPTIONS",
        headers={
            "Origin": "http://127.0.0.1:5173",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
            assert answer.headers["Access-Control-Allow-Origin"] in ("*", "http://127.0.0.1:5173")
    finally:
        s3.delete_object(Bucket="preflight-test", Key="Thumbnails/a.jpg")
        s3.delete_bucket(Bucket="preflight-test")


def test_detect_labels_reads_the_object_and_honours_its_limits(local_aws):
    s3, rekognition = local_aws.client("s3"), local_aws.client("rekognition")
    s3.create_bucket(Bucket="labels-test")
    s3.put_object(Bucket="labels-test", Key="photo.jpg", Body=b"\xff\xd8\xff jpeg bytes")
    image = {"S3Object": {"Bucket": "labels-test", "Name": "photo.jpg"}}
    labels = rekognition.detect_labels(Image=image, MaxLabels=10, MinConfidence=60)["Labels"]
    assert labels and all(label["Confidence"] >= 60 for label in labels)
    assert rekognition.detect_labels(Image=image, MinConfidence=99.99)["Labels"] == []
    missing = {"S3Object": {"Bucket": "labels-test", "Name": "missing.jpg"}}
    with pytest.raises(rekognition.exceptions.InvalidS3ObjectException):
        rekognition.detect_labels(Image=missing)
    s3.delete_object(Bucket="labels-test", Key="photo.jpg")
    s3.delete_bucket(Bucket="labels-test")


def test_detect_moderation_labels_answers_the_same_file_alike(local_aws):
    """moto has no DetectModerationLabels: the emulator reads the image as DetectLabels does,
    answers a stand-in label whose confidence comes from the bytes, and keeps what reaches
    MinConfidence."""
    from local_aws.patches import stand_in_moderation_labels

    s3, rekognition = local_aws.client("s3"), local_aws.client("rekognition")
    s3.create_bucket(Bucket="moderation-test")
    answers = {}
    for n in range(12):  # enough files that some are flagged at 50 and some are not
        body = b"\xff\xd8\xff jpeg bytes %d" % n
        s3.put_object(Bucket="moderation-test", Key=f"{n}.jpg", Body=body)
        image = {"S3Object": {"Bucket": "moderation-test", "Name": f"{n}.jpg"}}
        labels = rekognition.detect_moderation_labels(Image=image)["ModerationLabels"]
        expected = [
            label for label in stand_in_moderation_labels(body) if label["Confidence"] >= 50
        ]
        assert [(x["Name"], x["Confidence"]) for x in labels] == [
            (x["Name"], x["Confidence"]) for x in expected
        ]
        assert rekognition.detect_moderation_labels(Image={"Bytes": body})["ModerationLabels"] == (
            labels
        )
        assert rekognition.detect_moderation_labels(Image=image, MinConfidence=0)[
            "ModerationLabels"
        ]
        answers[n] = bool(labels)
    assert set(answers.values()) == {True, False}, answers
    with pytest.raises(rekognition.exceptions.InvalidImageFormatException):
        rekognition.detect_moderation_labels(Image={"Bytes": b"GIF89a not read"})
    for n in range(12):
        s3.delete_object(Bucket="moderation-test", Key=f"{n}.jpg")
    s3.delete_bucket(Bucket="moderation-test")


@pytest.mark.emulator  # starts its own emulator: no local_aws fixture marks it
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
        png = b"\x89PNG\r\n\x1a\n"  # only the signature: Rekognition refuses any other format
        answer = rekognition.detect_labels(Image={"Bytes": png}, MaxLabels=5, MinConfidence=50)
        assert [label["Name"] for label in answer["Labels"]] == ["Bytes", "Size 8"]
    finally:
        local_aws_command(port, state, "stop")


# Terraform's AWS provider (5.100.0) polls after a create until the emulator's answer matches
# what it expects, and some waiters then keep polling a fixed number of times (lifecycle
# configuration: 10 s, then ten matching reads 5 s apart; function: 5 s, then one read; queue
# and queue policy: six matching reads 5 s apart). The emulator cannot shorten those waits; an
# answer that never matches turns each into a timeout.


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


def test_queue_attributes_and_policy_read_back_as_set(local_aws):
    """aws_sqs_queue and aws_sqs_queue_policy wait for six reads in a row of GetQueueAttributes
    (All) in which every attribute they set reads back unchanged (a policy: equivalent); one
    that never does holds apply for the resource's timeout and fails it."""
    sqs = local_aws.client("sqs")
    # What the provider sends for the modules' dead-letter queues.
    attributes = {
        "DelaySeconds": "0",
        "MaximumMessageSize": "262144",
        "MessageRetentionPeriod": "1209600",
        "ReceiveMessageWaitTimeSeconds": "0",
        "SqsManagedSseEnabled": "true",
        "VisibilityTimeout": "180",
    }
    url = sqs.create_queue(QueueName="propagation-test", Attributes=attributes)["QueueUrl"]
    try:
        got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert {k: got.get(k) for k in attributes} == attributes
        arn = got["QueueArn"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "EventBridgeDeadLetters",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:events:::rule/x"}},
                }
            ],
        }
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
        got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert json.loads(got["Policy"]) == policy
        assert {k: got.get(k) for k in attributes} == attributes
    finally:
        sqs.delete_queue(QueueUrl=url)


# Cognito sign-in and IAM for the browser's credentials. The web app signs in to a user pool,
# trades the ID token for an identity id and credentials of the identity pool's role, and every
# call it makes with those must get what the role's policy allows on AWS, and no more.

COGNITO_REGION = "us-east-1"
PASSWORD = "Str0ng-Passw0rd!"
SUB = "${cognito-identity.amazonaws.com:sub}"
IAM_BUCKET = "iam-enforcement-test"
IAM_TABLE = "iam-enforcement-albums"
REGION_ACCOUNT = f"{COGNITO_REGION}:123456789012"


def _trust(pool_id: str, amr: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id},
                        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
                    },
                }
            ],
        }
    )


def _browser_policy(table_arn: str) -> str:
    """What the test-client module grants: each identity reaches only what begins with its id."""
    own = [SUB, f"{SUB}/*"]
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
                    "Resource": f"arn:aws:s3:::{IAM_BUCKET}/Incoming/{SUB}/*",
                },
                {
                    "Effect": "Deny",
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::{IAM_BUCKET}/Incoming/{SUB}/blocked/*",
                },
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{IAM_BUCKET}/Thumbnails/{SUB}/*",
                    "Condition": {"Bool": {"aws:SecureTransport": "true"}},
                },
                {
                    "Effect": "Allow",
                    "Action": "lambda:InvokeFunction",
                    "Resource": f"arn:aws:lambda:{REGION_ACCOUNT}:function:iam-test-fn",
                },
                {
                    "Effect": "Allow",
                    "Action": "states:DescribeExecution",
                    "Resource": f"arn:aws:states:{REGION_ACCOUNT}:execution:iam-test:*",
                },
                {
                    "Effect": "Allow",
                    "Action": ["dynamodb:GetItem", "dynamodb:Query"],
                    "Resource": [table_arn, f"{table_arn}/index/byUser"],
                    "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": own}},
                },
                {
                    "Effect": "Allow",
                    "Action": "dynamodb:PutItem",
                    "Resource": table_arn,
                    "Condition": {
                        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{SUB}/*"]},
                        "ForAllValues:StringEquals": {
                            "dynamodb:Attributes": ["albumID", "userID", "albumName"]
                        },
                    },
                },
            ],
        }
    )


def _user_pool(local_aws: LocalAws, name: str, **settings: Any) -> tuple[str, str]:
    idp = local_aws.client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName=name, **settings)["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=f"{name}-web",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def _add_user(local_aws: LocalAws, pool_id: str, username: str) -> None:
    idp = local_aws.client("cognito-idp")
    idp.admin_create_user(UserPoolId=pool_id, Username=username)
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True
    )


def _id_token(local_aws: LocalAws, client_id: str, username: str) -> str:
    answer = local_aws.client("cognito-idp").initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )
    return answer["AuthenticationResult"]["IdToken"]


def _as(local_aws: LocalAws, service: str, credentials: dict[str, str], **config: Any):
    return boto3.client(
        service,
        endpoint_url=local_aws.endpoint_url,
        region_name=COGNITO_REGION,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretKey"],
        aws_session_token=credentials["SessionToken"],
        config=Config(retries={"max_attempts": 1}, **config),
    )


def _error_code(raised: pytest.ExceptionInfo) -> str:
    return raised.value.response["Error"]["Code"]


@pytest.fixture(scope="module")
def cognito(local_aws: LocalAws) -> Any:
    """A user pool with alice and bob, an identity pool trusting it (no guests), and a role."""
    iam, identity = local_aws.client("iam"), local_aws.client("cognito-identity")
    s3, dynamodb = local_aws.client("s3"), local_aws.client("dynamodb")
    pool_id, client_id = _user_pool(local_aws, "iam-test-users")
    for user in ("alice", "bob"):
        _add_user(local_aws, pool_id, user)
    provider = f"cognito-idp.{COGNITO_REGION}.amazonaws.com/{pool_id}"
    identity_pool_id = identity.create_identity_pool(
        IdentityPoolName="iam_test",
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": client_id}],
    )["IdentityPoolId"]
    s3.create_bucket(Bucket=IAM_BUCKET)
    table_arn = dynamodb.create_table(
        TableName=IAM_TABLE,
        KeySchema=[{"AttributeName": "albumID", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "albumID", "AttributeType": "S"},
            {"AttributeName": "userID", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byUser",
                "KeySchema": [{"AttributeName": "userID", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]["TableArn"]
    role = iam.create_role(
        RoleName="iam-test-authenticated",
        AssumeRolePolicyDocument=_trust(identity_pool_id, "authenticated"),
    )["Role"]
    iam.put_role_policy(
        RoleName=role["RoleName"], PolicyName="browser", PolicyDocument=_browser_policy(table_arn)
    )
    identity.set_identity_pool_roles(
        IdentityPoolId=identity_pool_id, Roles={"authenticated": role["Arn"]}
    )

    def sign_in(user: str) -> dict[str, Any]:
        logins = {provider: _id_token(local_aws, client_id, user)}
        identity_id = identity.get_id(IdentityPoolId=identity_pool_id, Logins=logins)["IdentityId"]
        answer = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
        return {"id": identity_id, "logins": logins, "credentials": answer["Credentials"]}

    try:
        yield {
            "pool_id": pool_id,
            "client_id": client_id,
            "provider": provider,
            "identity_pool_id": identity_pool_id,
            "table_arn": table_arn,
            "sign_in": sign_in,
            "alice": sign_in("alice"),
            "bob": sign_in("bob"),
        }
    finally:
        for version in s3.list_object_versions(Bucket=IAM_BUCKET).get("Versions", []):
            s3.delete_object(Bucket=IAM_BUCKET, Key=version["Key"], VersionId=version["VersionId"])
        for upload in s3.list_multipart_uploads(Bucket=IAM_BUCKET).get("Uploads", []):
            s3.abort_multipart_upload(
                Bucket=IAM_BUCKET, Key=upload["Key"], UploadId=upload["UploadId"]
            )
        s3.delete_bucket(Bucket=IAM_BUCKET)
        dynamodb.delete_table(TableName=IAM_TABLE)
        iam.delete_role_policy(RoleName=role["RoleName"], PolicyName="browser")
        iam.delete_role(RoleName=role["RoleName"])
        identity.delete_identity_pool(IdentityPoolId=identity_pool_id)
        local_aws.client("cognito-idp").delete_user_pool(UserPoolId=pool_id)


def test_get_id_gives_a_user_the_same_identity_every_time_and_each_user_their_own(
    local_aws, cognito
):
    again = cognito["sign_in"]("alice")  # a fresh ID token from a new sign-in
    assert again["id"] == cognito["alice"]["id"]
    refresh_token = local_aws.client("cognito-idp").initiate_auth(
        ClientId=cognito["client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["RefreshToken"]
    refreshed = local_aws.client("cognito-idp").initiate_auth(
        ClientId=cognito["client_id"],
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token},
    )["AuthenticationResult"]["IdToken"]
    identity = local_aws.client("cognito-identity")
    logins = {cognito["provider"]: refreshed}
    assert (
        identity.get_id(IdentityPoolId=cognito["identity_pool_id"], Logins=logins)["IdentityId"]
        == cognito["alice"]["id"]
    )
    assert cognito["bob"]["id"] != cognito["alice"]["id"]
    assert cognito["alice"]["id"].startswith(f"{COGNITO_REGION}:")
    assert again["credentials"]["AccessKeyId"] != cognito["alice"]["credentials"]["AccessKeyId"]


def test_get_id_rejects_tokens_not_from_a_provider_the_pool_lists(local_aws, cognito):
    identity = local_aws.client("cognito-identity")
    other_pool, other_client = _user_pool(local_aws, "iam-test-other")
    try:
        _add_user(local_aws, other_pool, "mallory")
        token = _id_token(local_aws, other_client, "mallory")
        attempts = [
            {f"cognito-idp.{COGNITO_REGION}.amazonaws.com/{other_pool}": token},  # not listed
            {cognito["provider"]: token},  # listed provider, another pool's token
            {cognito["provider"]: token[:-4] + "AAAA"},  # signature broken
        ]
        for logins in attempts:
            with pytest.raises(identity.exceptions.NotAuthorizedException):
                identity.get_id(IdentityPoolId=cognito["identity_pool_id"], Logins=logins)
    finally:
        local_aws.client("cognito-idp").delete_user_pool(UserPoolId=other_pool)


def test_credentials_of_a_signed_in_identity_need_its_own_login(local_aws, cognito):
    identity = local_aws.client("cognito-identity")
    alice = cognito["alice"]["id"]
    with pytest.raises(identity.exceptions.NotAuthorizedException):
        identity.get_credentials_for_identity(IdentityId=alice)
    with pytest.raises(identity.exceptions.NotAuthorizedException):
        identity.get_credentials_for_identity(IdentityId=alice, Logins=cognito["bob"]["logins"])


def test_credentials_are_the_roles_and_say_who_holds_them(local_aws, cognito):
    sts = _as(local_aws, "sts", cognito["alice"]["credentials"])
    assert sts.get_caller_identity()["Arn"] == (
        "arn:aws:sts::123456789012:assumed-role/iam-test-authenticated/CognitoIdentityCredentials"
    )


def test_identity_reaches_its_own_prefix_and_items(local_aws, cognito):
    me, credentials = cognito["alice"]["id"], cognito["alice"]["credentials"]
    s3, dynamodb = _as(local_aws, "s3", credentials), _as(local_aws, "dynamodb", credentials)
    s3.put_object(Bucket=IAM_BUCKET, Key=f"Incoming/{me}/a.jpg", Body=b"jpeg")
    upload = s3.create_multipart_upload(Bucket=IAM_BUCKET, Key=f"Incoming/{me}/big.jpg")
    part = s3.upload_part(
        Bucket=IAM_BUCKET,
        Key=f"Incoming/{me}/big.jpg",
        UploadId=upload["UploadId"],
        PartNumber=1,
        Body=b"x" * 1024,
    )
    s3.complete_multipart_upload(
        Bucket=IAM_BUCKET,
        Key=f"Incoming/{me}/big.jpg",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )
    album = {"albumID": {"S": f"{me}/summer"}, "userID": {"S": me}, "albumName": {"S": "Summer"}}
    dynamodb.put_item(TableName=IAM_TABLE, Item=album)
    got = dynamodb.get_item(TableName=IAM_TABLE, Key={"albumID": {"S": f"{me}/summer"}})
    assert got["Item"] == album
    listed = dynamodb.query(
        TableName=IAM_TABLE,
        IndexName="byUser",
        KeyConditionExpression="#u = :u",
        ExpressionAttributeNames={"#u": "userID"},
        ExpressionAttributeValues={":u": {"S": me}},
    )
    assert listed["Items"] == [album]


def test_another_identitys_prefix_and_items_are_access_denied(local_aws, cognito):
    alice, bob = cognito["alice"], cognito["bob"]
    s3 = _as(local_aws, "s3", alice["credentials"])
    dynamodb = _as(local_aws, "dynamodb", alice["credentials"])
    with pytest.raises(s3.exceptions.ClientError) as put:
        s3.put_object(Bucket=IAM_BUCKET, Key=f"Incoming/{bob['id']}/a.jpg", Body=b"x")
    assert _error_code(put) == "AccessDenied"
    assert put.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(s3.exceptions.ClientError) as multipart:
        s3.create_multipart_upload(Bucket=IAM_BUCKET, Key=f"Incoming/{bob['id']}/big.jpg")
    assert _error_code(multipart) == "AccessDenied"
    with pytest.raises(dynamodb.exceptions.ClientError) as get:
        dynamodb.get_item(TableName=IAM_TABLE, Key={"albumID": {"S": f"{bob['id']}/summer"}})
    assert _error_code(get) == "AccessDeniedException"
    with pytest.raises(dynamodb.exceptions.ClientError) as query:
        dynamodb.query(
            TableName=IAM_TABLE,
            IndexName="byUser",
            KeyConditionExpression="userID = :u",
            ExpressionAttributeValues={":u": {"S": bob["id"]}},
        )
    assert _error_code(query) == "AccessDeniedException"
    assert query.value.response["Error"]["Message"] == (
        "User: arn:aws:sts::123456789012:assumed-role/iam-test-authenticated/"
        "CognitoIdentityCredentials is not authorized to perform: dynamodb:Query on resource: "
        f"{cognito['table_arn']}/index/byUser because no identity-based policy allows the "
        "dynamodb:Query action"
    )


def test_scan_is_access_denied(local_aws, cognito):
    dynamodb = _as(local_aws, "dynamodb", cognito["alice"]["credentials"])
    with pytest.raises(dynamodb.exceptions.ClientError) as scan:
        dynamodb.scan(TableName=IAM_TABLE)
    assert _error_code(scan) == "AccessDeniedException"


def test_put_item_with_an_attribute_the_policy_does_not_list_is_access_denied(local_aws, cognito):
    me = cognito["alice"]["id"]
    dynamodb = _as(local_aws, "dynamodb", cognito["alice"]["credentials"])
    item = {"albumID": {"S": f"{me}/extra"}, "userID": {"S": me}, "owner": {"S": "someone"}}
    with pytest.raises(dynamodb.exceptions.ClientError) as put:
        dynamodb.put_item(TableName=IAM_TABLE, Item=item)
    assert _error_code(put) == "AccessDeniedException"


def test_explicit_deny_wins_over_an_allow(local_aws, cognito):
    me = cognito["alice"]["id"]
    s3 = _as(local_aws, "s3", cognito["alice"]["credentials"])
    with pytest.raises(s3.exceptions.ClientError) as put:
        s3.put_object(Bucket=IAM_BUCKET, Key=f"Incoming/{me}/blocked/a.jpg", Body=b"x")
    assert _error_code(put) == "AccessDenied"
    assert (
        "with an explicit deny in an identity-based policy"
        in put.value.response["Error"]["Message"]
    )


def test_presigned_get_is_checked_against_the_role(local_aws, cognito):
    """The web app shows thumbnails through presigned GETs: SigV4 in the query string."""
    alice, bob = cognito["alice"]["id"], cognito["bob"]["id"]
    admin = local_aws.client("s3")
    for owner in (alice, bob):
        admin.put_object(Bucket=IAM_BUCKET, Key=f"Thumbnails/{owner}/t.jpg", Body=b"thumb")
    s3 = _as(local_aws, "s3", cognito["alice"]["credentials"], signature_version="s3v4")

    def fetch(owner: str) -> int:
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": IAM_BUCKET, "Key": f"Thumbnails/{owner}/t.jpg"}
        )
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                return answer.status
        except urllib.error.HTTPError as refused:
            assert b"<Code>AccessDenied</Code>" in refused.read()
            return refused.code

    assert fetch(alice) == 200
    assert fetch(bob) == 403


def test_invoke_and_describe_execution_are_checked_against_their_arns(local_aws, cognito):
    """Allowed calls reach the service (which finds nothing here); others stop at IAM."""
    credentials = cognito["alice"]["credentials"]
    lam, sfn = _as(local_aws, "lambda", credentials), _as(local_aws, "stepfunctions", credentials)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="iam-test-fn", Payload=b"{}")
    with pytest.raises(lam.exceptions.ClientError) as invoke:
        lam.invoke(FunctionName="iam-test-other-fn", Payload=b"{}")
    assert _error_code(invoke) == "AccessDeniedException"
    assert invoke.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    execution = f"arn:aws:states:{REGION_ACCOUNT}:execution"
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.describe_execution(executionArn=f"{execution}:iam-test:run-1")
    with pytest.raises(sfn.exceptions.ClientError) as describe:
        sfn.describe_execution(executionArn=f"{execution}:other:run-1")
    assert _error_code(describe) == "AccessDeniedException"


def test_a_wrong_session_token_is_refused(local_aws, cognito):
    credentials = {**cognito["alice"]["credentials"], "SessionToken": "forged"}
    dynamodb = _as(local_aws, "dynamodb", credentials)
    with pytest.raises(dynamodb.exceptions.ClientError) as get:
        dynamodb.get_item(TableName=IAM_TABLE, Key={"albumID": {"S": "x"}})
    assert _error_code(get) == "UnrecognizedClientException"


def test_admin_keys_keep_full_access(local_aws, cognito):
    bob = cognito["bob"]["id"]
    s3, dynamodb = local_aws.client("s3"), local_aws.client("dynamodb")
    s3.put_object(Bucket=IAM_BUCKET, Key=f"Incoming/{bob}/blocked/by-admin.jpg", Body=b"x")
    dynamodb.put_item(
        TableName=IAM_TABLE, Item={"albumID": {"S": "anything"}, "owner": {"S": "admin"}}
    )
    assert dynamodb.scan(TableName=IAM_TABLE)["Count"] >= 1


def test_guests_get_credentials_only_where_the_pool_allows_them(local_aws, cognito):
    identity, iam = local_aws.client("cognito-identity"), local_aws.client("iam")
    with pytest.raises(identity.exceptions.NotAuthorizedException):
        identity.get_id(IdentityPoolId=cognito["identity_pool_id"])
    open_pool = identity.create_identity_pool(
        IdentityPoolName="iam_test_guests", AllowUnauthenticatedIdentities=True
    )["IdentityPoolId"]
    role = iam.create_role(
        RoleName="iam-test-guest", AssumeRolePolicyDocument=_trust(open_pool, "unauthenticated")
    )["Role"]
    iam.put_role_policy(
        RoleName="iam-test-guest",
        PolicyName="browser",
        PolicyDocument=_browser_policy(cognito["table_arn"]),
    )
    try:
        identity.set_identity_pool_roles(
            IdentityPoolId=open_pool, Roles={"unauthenticated": role["Arn"]}
        )
        first = identity.get_id(IdentityPoolId=open_pool)["IdentityId"]
        second = identity.get_id(IdentityPoolId=open_pool)["IdentityId"]
        assert first != second
        credentials = identity.get_credentials_for_identity(IdentityId=first)["Credentials"]
        s3 = _as(local_aws, "s3", credentials)
        s3.put_object(Bucket=IAM_BUCKET, Key=f"Incoming/{first}/guest.jpg", Body=b"x")
        with pytest.raises(s3.exceptions.ClientError) as other:
            s3.put_object(Bucket=IAM_BUCKET, Key=f"Incoming/{second}/guest.jpg", Body=b"x")
        assert _error_code(other) == "AccessDenied"
    finally:
        iam.delete_role_policy(RoleName="iam-test-guest", PolicyName="browser")
        iam.delete_role(RoleName="iam-test-guest")
        identity.delete_identity_pool(IdentityPoolId=open_pool)


def test_a_role_whose_trust_policy_refuses_the_identity_gives_no_credentials(local_aws, cognito):
    """Cognito assumes the role as cognito-identity.amazonaws.com, under the role's trust policy:
    a guest role that trusts only authenticated identities (amr) hands out nothing."""
    identity, iam = local_aws.client("cognito-identity"), local_aws.client("iam")
    pool = identity.create_identity_pool(
        IdentityPoolName="iam_test_untrusted", AllowUnauthenticatedIdentities=True
    )["IdentityPoolId"]
    role = iam.create_role(
        RoleName="iam-test-untrusted", AssumeRolePolicyDocument=_trust(pool, "authenticated")
    )["Role"]
    try:
        identity.set_identity_pool_roles(
            IdentityPoolId=pool, Roles={"unauthenticated": role["Arn"]}
        )
        guest = identity.get_id(IdentityPoolId=pool)["IdentityId"]
        with pytest.raises(identity.exceptions.InvalidIdentityPoolConfigurationException):
            identity.get_credentials_for_identity(IdentityId=guest)
    finally:
        iam.delete_role(RoleName="iam-test-untrusted")
        identity.delete_identity_pool(IdentityPoolId=pool)


PRE_SIGN_UP = b"""import json


def handler(event, context):
    print("event " + json.dumps(event))
    if event["request"]["userAttributes"].get("email", "").endswith("@blocked.example"):
        raise ValueError("Email domain not allowed")
    event["response"]["autoConfirmUser"] = True
    event["response"]["autoVerifyEmail"] = True
    return event
"""


@pytest.fixture(scope="module")
def pre_sign_up(local_aws: LocalAws, tmp_path_factory) -> Any:
    """A user pool whose PreSignUp function confirms every user, unless the email is blocked."""
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
    role = iam.create_role(RoleName="pre-sign-up-test", AssumeRolePolicyDocument=json.dumps(trust))
    package = _zip(tmp_path_factory.mktemp("pre-sign-up") / "f.zip", {"trigger.py": PRE_SIGN_UP})
    function = lam.create_function(
        FunctionName="pre-sign-up-test",
        Runtime="python3.11",
        Role=role["Role"]["Arn"],
        Handler="trigger.handler",
        Code={"ZipFile": package.read_bytes()},
    )
    pool_id, client_id = _user_pool(
        local_aws,
        "pre-sign-up-test",
        UsernameAttributes=["email"],
        LambdaConfig={"PreSignUp": function["FunctionArn"]},
    )
    try:
        yield {"pool_id": pool_id, "client_id": client_id, "function": "pre-sign-up-test"}
    finally:
        local_aws.client("cognito-idp").delete_user_pool(UserPoolId=pool_id)
        lam.delete_function(FunctionName="pre-sign-up-test")
        iam.delete_role(RoleName="pre-sign-up-test")


def test_pre_sign_up_trigger_that_confirms_lets_the_user_sign_in_at_once(local_aws, pre_sign_up):
    idp = local_aws.client("cognito-idp")
    signed_up = idp.sign_up(
        ClientId=pre_sign_up["client_id"],
        Username="carol@example.com",
        Password=PASSWORD,
        UserAttributes=[{"Name": "name", "Value": "Carol"}],
        ClientMetadata={"source": "test"},
    )
    assert signed_up["UserConfirmed"] is True
    assert _id_token(local_aws, pre_sign_up["client_id"], "carol@example.com")
    user = idp.admin_get_user(UserPoolId=pre_sign_up["pool_id"], Username="carol@example.com")
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert (user["UserStatus"], attributes["email_verified"]) == ("CONFIRMED", "true")
    logged = local_aws.function_log(pre_sign_up["function"])
    event = json.loads(next(line for line in logged.splitlines() if "carol" in line)[6:])
    assert event["triggerSource"] == "PreSignUp_SignUp"
    assert event["userPoolId"] == pre_sign_up["pool_id"]
    assert event["callerContext"]["clientId"] == pre_sign_up["client_id"]
    assert event["request"]["userAttributes"] == {"email": "carol@example.com", "name": "Carol"}
    assert event["request"]["clientMetadata"] == {"source": "test"}
    assert event["response"] == {
        "autoConfirmUser": False,
        "autoVerifyEmail": False,
        "autoVerifyPhone": False,
    }


def test_a_failing_pre_sign_up_trigger_fails_sign_up_and_keeps_no_user(local_aws, pre_sign_up):
    idp = local_aws.client("cognito-idp")
    with pytest.raises(idp.exceptions.UserLambdaValidationException) as failed:
        idp.sign_up(
            ClientId=pre_sign_up["client_id"], Username="eve@blocked.example", Password=PASSWORD
        )
    assert "PreSignUp failed with error Email domain not allowed." in str(failed.value)
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_get_user(UserPoolId=pre_sign_up["pool_id"], Username="eve@blocked.example")


def test_without_a_trigger_sign_up_leaves_the_user_unconfirmed(local_aws):
    idp = local_aws.client("cognito-idp")
    pool_id, client_id = _user_pool(local_aws, "no-trigger-test")
    try:
        assert (
            idp.sign_up(ClientId=client_id, Username="dave", Password=PASSWORD)["UserConfirmed"]
            is False
        )
        with pytest.raises(idp.exceptions.UserNotConfirmedException):
            _id_token(local_aws, client_id, "dave")
    finally:
        idp.delete_user_pool(UserPoolId=pool_id)


def test_browser_preflight_and_answers_for_cognito_calls_allow_the_origin(local_aws):
    """The web app calls cognito-idp and cognito-identity from the page: POST / and X-Amz-Target."""
    origin = "http://127.0.0.1:5173"
    preflight = urllib.request.Request(
        f"{local_aws.endpoint_url}/",
        method="OPTIONS",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent",
        },
    )
    with urllib.request.urlopen(preflight, timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["Access-Control-Allow-Origin"] == origin
        allowed = answer.headers["Access-Control-Allow-Headers"].lower()
        assert {"content-type", "x-amz-target", "x-amz-user-agent"} <= {
            h.strip() for h in allowed.split(",")
        }
        assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    for target in (
        "AWSCognitoIdentityProviderService.InitiateAuth",
        "AWSCognitoIdentityService.GetId",
    ):
        call = urllib.request.Request(
            f"{local_aws.endpoint_url}/",
            method="POST",
            data=b"{}",
            headers={
                "Origin": origin,
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": target,
            },
        )
        try:
            urllib.request.urlopen(call, timeout=10)
        except urllib.error.HTTPError as refused:  # an empty request is a client error
            assert refused.headers["Access-Control-Allow-Origin"] == origin
        else:
            pytest.fail(f"{target} accepted an empty request")


@pytest.mark.parametrize(
    ("operator", "key", "values", "holds"),
    [
        ("ForAllValues:StringLike", "dynamodb:LeadingKeys", [SUB, f"{SUB}/*"], True),
        ("ForAllValues:StringLike", "dynamodb:LeadingKeys", ["bob/*"], False),
        ("ForAllValues:StringEquals", "dynamodb:Attributes", ["a"], True),  # absent: vacuous
        ("ForAnyValue:StringEquals", "dynamodb:Attributes", ["a"], False),
        ("StringEquals", "s3:prefix", ["a"], False),  # absent: does not match
        ("StringNotEquals", "s3:prefix", ["a"], True),
        ("StringEqualsIfExists", "s3:prefix", ["a"], True),
        ("Null", "s3:prefix", "true", True),
        ("Null", "aws:SecureTransport", "false", True),
        ("Bool", "aws:SecureTransport", "false", False),  # the emulator counts as TLS
        ("StringNotLike", "dynamodb:LeadingKeys", ["alice/*"], False),
        ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/browser-*", True),
        ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/other-*", False),
        ("DateGreaterThan", "aws:CurrentTime", "2020-01-01T00:00:00Z", False),  # not evaluated
    ],
)
def test_condition_operators_follow_iam_semantics(operator, key, values, holds):
    from local_aws.iam_enforcement import evaluate

    context = {
        "cognito-identity.amazonaws.com:sub": ["alice"],
        "dynamodb:leadingkeys": ["alice", "alice/summer"],
        "aws:securetransport": ["true"],
        "aws:principalarn": ["arn:aws:iam::123456789012:role/browser-authenticated"],
    }
    statement = {
        "Effect": "Allow",
        "Action": "dynamodb:Query",
        "Resource": "*",
        "Condition": {operator: {key: values}},
    }
    decision = evaluate([{"Statement": [statement]}], "dynamodb:Query", "table", context)
    assert decision == ("Allow" if holds else "ImplicitDeny")


def test_index_queries_answer_the_projected_attributes_only(local_aws):
    """The index projection (patched for speed: moto 5.2.5 re-serialised the whole item per
    attribute) keeps the keys and, for INCLUDE, the NonKeyAttributes: nothing more, nothing
    missing, nested values whole."""
    ddb = local_aws.client("dynamodb")
    keys = [("imageID", "HASH")]
    ddb.create_table(
        TableName="projection-test",
        KeySchema=[{"AttributeName": n, "KeyType": t} for n, t in keys],
        AttributeDefinitions=[
            {"AttributeName": n, "AttributeType": "S"} for n in ("imageID", "userID", "hash")
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-hash",
                "KeySchema": [
                    {"AttributeName": "userID", "KeyType": "HASH"},
                    {"AttributeName": "hash", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["geo", "gone"]},
            },
            {
                "IndexName": "by-user",
                "KeySchema": [{"AttributeName": "userID", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    item = {
        "imageID": {"S": "u/a.jpg"},
        "userID": {"S": "u"},
        "hash": {"S": "sha256:aa"},
        "geo": {"M": {"latitude": {"N": "1.5"}, "longitude": {"N": "-2"}}},
        "tags": {"L": [{"M": {"name": {"S": "Tree"}}}]},
    }
    ddb.put_item(TableName="projection-test", Item=item)
    try:
        query = {
            "KeyConditionExpression": "userID = :u",
            "ExpressionAttributeValues": {":u": {"S": "u"}},
        }
        included = ddb.query(TableName="projection-test", IndexName="by-hash", **query)["Items"]
        assert included == [{k: item[k] for k in ("imageID", "userID", "hash", "geo")}]
        keys_only = ddb.query(TableName="projection-test", IndexName="by-user", **query)["Items"]
        assert keys_only == [{k: item[k] for k in ("imageID", "userID")}]
        full = ddb.get_item(TableName="projection-test", Key={"imageID": item["imageID"]})["Item"]
        assert full == item  # the table's item is untouched
    finally:
        ddb.delete_table(TableName="projection-test")
