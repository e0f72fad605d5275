"""Plan the root module's and every nested module's README usage (and a few more cases) with the
real provider against the session's emulator, compare with YAML inventories and check the
attributes that matter: policies among them, which the provider renders for real here.
Environments and examples are planned by `terraform test` (test_terraform_test.py)."""

from __future__ import annotations

import json
import re

import pytest
from tfharness import (
    MODULES,
    ROOT,
    check_inventory,
    counts,
    planned,
    planned_outputs,
    policy_statements,
    readme_usage,
)

ACCOUNT = "123456789012"  # moto's account
REGION = "eu-west-1"


def module_case(module: str, case: str) -> str:
    """README usage, or the usage with `case` overrides from cases/<module>/<case>.tf (the root
    module's: cases/root)."""
    if case == "readme":
        return readme_usage("." if module == "root" else module)
    return (ROOT / "tests" / "modules" / "cases" / module / f"{case}.tf").read_text()


def _cases():
    out = [("root", "readme")] + [(m, "readme") for m in MODULES]
    for path in sorted((ROOT / "tests" / "modules" / "cases").glob("*/*.tf")):
        out.append((path.parent.name, path.stem))
    return out


CASES = _cases()


@pytest.fixture(scope="module")
def module_plan(plan):
    def _module_plan(module: str, case: str) -> dict:
        usage = module_case(module, case)
        return plan(f"environments/case-{module}-{case}", main_tf=usage)

    return _module_plan


@pytest.mark.parametrize(("module", "case"), CASES, ids=[f"{m}-{c}" for m, c in CASES])
def test_module_inventory(module_plan, module, case):
    check_inventory(module_plan(module, case), f"{module}/{case}", f"{module}-{case}")


# ---- storage -------------------------------------------------------------------------------


def test_storage_bucket_locked_down(module_plan):
    values = planned(module_plan("storage", "readme"))
    pab = values["module.storage.aws_s3_bucket_public_access_block.this[0]"]
    assert all(
        pab[k] is True
        for k in (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        )
    )
    sse = values["module.storage.aws_s3_bucket_server_side_encryption_configuration.this[0]"]
    assert sse["rule"][0]["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "AES256"
    policy = policy_statements(values["module.storage.aws_s3_bucket_policy.this[0]"]["policy"])
    deny = policy["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny" and deny["Action"] == ["s3:*"]
    # The default name carries the account and region: S3 names are global.
    assert deny["Resource"] == [
        f"arn:aws:s3:::photos-dev-photos-{ACCOUNT}-{REGION}",
        f"arn:aws:s3:::photos-dev-photos-{ACCOUNT}-{REGION}/*",
    ]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    lifecycle = values["module.storage.aws_s3_bucket_lifecycle_configuration.this[0]"]["rule"][0]
    assert lifecycle["noncurrent_version_expiration"][0]["noncurrent_days"] == 30
    assert lifecycle["abort_incomplete_multipart_upload"][0]["days_after_initiation"] == 7
    cors = values["module.storage.aws_s3_bucket_cors_configuration.this[0]"]["cors_rule"][0]
    assert sorted(cors["allowed_methods"]) == ["DELETE", "GET", "HEAD", "POST", "PUT"]
    assert cors["expose_headers"] == ["ETag"]


def test_storage_tables(module_plan):
    values = planned(module_plan("storage", "readme"))
    image = values["module.storage.aws_dynamodb_table.image_metadata[0]"]
    album = values["module.storage.aws_dynamodb_table.album_metadata[0]"]
    assert (image["name"], image["hash_key"]) == ("photos-dev-ImageMetadata", "imageID")
    assert (album["name"], album["hash_key"]) == ("photos-dev-AlbumMetadata", "albumID")
    for table, index, keys in (
        (image, "albumID-uploadTime-index", ("albumID", "uploadTime")),
        (album, "userID-creationTime-index", ("userID", "creationTime")),
    ):
        assert table["billing_mode"] == "PAY_PER_REQUEST"
        assert table["point_in_time_recovery"][0]["enabled"] is True
        assert table["deletion_protection_enabled"] is True
        gsi = {g["name"]: g for g in table["global_secondary_index"]}[index]
        assert (gsi["hash_key"], gsi["range_key"], gsi["projection_type"]) == (*keys, "ALL")
        types = {a["name"]: a["type"] for a in table["attribute"]}
        assert types[keys[0]] == "S" and types[keys[1]] == "N"
    assert len(album["global_secondary_index"]) == 1
    # The EXPRESS backstop finds the item an execution owns by its name: keys only.
    indexes = {g["name"]: g for g in image["global_secondary_index"]}
    assert set(indexes) == {"albumID-uploadTime-index", "executionName-index", HASH_INDEX}
    # Duplicates: an owner's hashed photos (sparse: only items with a contentHash), with what
    # comparing them needs.
    by_hash = indexes[HASH_INDEX]
    assert (by_hash["hash_key"], by_hash["range_key"], by_hash["projection_type"]) == (
        "userID",
        "contentHash",
        "INCLUDE",
    )
    assert set(by_hash["non_key_attributes"]) == {
        "perceptualHash",
        "uploadTime",
        "processingStatus",
        "duplicateOf",
    }
    attribute_types = {a["name"]: a["type"] for a in image["attribute"]}
    assert (attribute_types["userID"], attribute_types["contentHash"]) == ("S", "S")
    by_execution = indexes["executionName-index"]
    assert (by_execution["hash_key"], by_execution["projection_type"]) == (
        "executionName",
        "KEYS_ONLY",
    )
    assert not by_execution.get("range_key") and not by_execution.get("non_key_attributes")
    assert {a["name"]: a["type"] for a in image["attribute"]}["executionName"] == "S"


def test_storage_existing_bucket_creates_tables_only(module_plan):
    plan_json = module_plan("storage", "existing-bucket-kms")
    assert not any(t.startswith("aws_s3_") for t in counts(plan_json))
    assert counts(plan_json) == {"aws_dynamodb_table": 2}
    table = planned(plan_json)["module.storage.aws_dynamodb_table.image_metadata[0]"]
    assert table["server_side_encryption"][0]["enabled"] is True
    assert table["server_side_encryption"][0]["kms_key_arn"].startswith("arn:aws:kms:")
    assert planned_outputs(plan_json)["bucket_name"] == "estate-photos"


# ---- pipeline ------------------------------------------------------------------------------

STEPS = [
    "extract_metadata",
    "transform_metadata",
    "detect_labels",
    "generate_thumbnail",
    "store_metadata",
    "record_failure",
]
FUNCTIONS = [*STEPS, "record_terminal", "describe_execution", "reprocess", "backfill_object"]
# modules/pipeline/memory.tf's measured defaults (docs/cost.md).
MEASURED_MEMORY = {
    "extract_metadata": 256,
    "transform_metadata": 128,
    "detect_labels": 1024,
    "generate_thumbnail": 1024,
    "store_metadata": 128,
    "record_failure": 128,
    "record_terminal": 128,
    "describe_execution": 512,
    "reprocess": 512,
    "backfill_object": 512,
}
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/photos-dev-ImageMetadata"
# Storage's index names, which the README usage passes to pipeline as storage outputs them.
EXECUTION_INDEX = "executionName-index"
HASH_INDEX = "userID-contentHash-index"
BUCKET = "arn:aws:s3:::photos-dev-photos"
SM_NAME = "photos-dev-image-processing"


def function_policy(values: dict, key: str) -> dict:
    return policy_statements(
        values[f'module.pipeline.aws_iam_role_policy.function["{key}"]']["policy"]
    )


def expected_function_policy(key: str, tracing: bool, kms: str | None) -> dict:
    name = "photos-dev-" + key.replace("_", "-")
    log = {
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{name}:*"],
    }

    def allow(actions, resources):
        return {
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": sorted(resources),
        }

    incoming = allow(["s3:GetObject", "s3:GetObjectVersion"], [f"{BUCKET}/Incoming/*"])
    update = allow(["dynamodb:UpdateItem"], [TABLE_ARN])
    # HeadObject, the item's read and conditional update: no PutItem, no delete, no version reads.
    restart = {
        "HeadIncoming": allow(["s3:GetObject"], [f"{BUCKET}/Incoming/*"]),
        "ReadUpdateImageMetadata": allow(["dynamodb:GetItem", "dynamodb:UpdateItem"], [TABLE_ARN]),
    }
    own = {
        "extract_metadata": {"ReadIncoming": incoming},
        "transform_metadata": {},
        "detect_labels": {
            "ReadIncoming": incoming,
            "DetectLabels": allow(["rekognition:DetectLabels"], ["*"]),
        },
        "generate_thumbnail": {
            "ReadIncoming": incoming,
            "WriteThumbnails": allow(["s3:PutObject"], [f"{BUCKET}/Thumbnails/*"]),
        },
        "store_metadata": {
            "UpdateImageMetadata": update,
            # Duplicates: the owner's hashed photos, only on that index.
            "FindOwnersPhotos": allow(["dynamodb:Query"], [f"{TABLE_ARN}/index/{HASH_INDEX}"]),
        },
        "record_failure": {"UpdateImageMetadata": update},
        "record_terminal": {
            "UpdateImageMetadata": update,
            # EXPRESS: the item an execution owns, by its name; only on that index.
            "FindOwnedItem": allow(["dynamodb:Query"], [f"{TABLE_ARN}/index/{EXECUTION_INDEX}"]),
            "DeadLetterQueue": allow(
                ["sqs:SendMessage"], [f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}-dlq"]
            ),
        },
        "describe_execution": {
            "DescribeOwnExecutions": allow(
                ["states:DescribeExecution"],
                [f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{SM_NAME}:*"],
            )
        },
        "reprocess": {
            **restart,
            "StartExecutions": allow(
                ["states:StartExecution"],
                [f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{SM_NAME}"],
            ),
        },
        "backfill_object": restart,
    }[key]
    out = {"OwnLogGroup": log, **own}
    if tracing:
        out["XRay"] = allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"])
    if kms:
        out.update(expected_kms_statements(key, kms))
    return out


def expected_kms_statements(key: str, kms: str) -> dict:
    """The key only through S3 or DynamoDB (kms:ViaService), for what they name in the
    encryption context: the bucket or its objects, the table and the account."""
    via = lambda service: {"kms:ViaService": f"{service}.{REGION}.amazonaws.com"}  # noqa: E731

    def s3(actions, prefixes):
        objects = [BUCKET, *(f"{BUCKET}/{p}*" for p in prefixes)]
        return {
            "DataKeyS3": {
                "Effect": "Allow",
                "Action": actions,
                "Resource": [kms],
                "Condition": {
                    "StringEquals": via("s3"),
                    "StringLike": {"kms:EncryptionContext:aws:s3:arn": objects},
                },
            }
        }

    table = {
        "DataKeyDynamoDB": {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [kms],
            "Condition": {
                "StringEquals": {
                    **via("dynamodb"),
                    "kms:EncryptionContext:aws:dynamodb:tableName": "photos-dev-ImageMetadata",
                    "kms:EncryptionContext:aws:dynamodb:subscriberId": ACCOUNT,
                }
            },
        }
    }
    return {
        "extract_metadata": s3(["kms:Decrypt"], ["Incoming/"]),
        "transform_metadata": {},
        "detect_labels": s3(["kms:Decrypt"], ["Incoming/"]),
        "generate_thumbnail": s3(
            ["kms:Decrypt", "kms:GenerateDataKey"], ["Incoming/", "Thumbnails/"]
        ),
        "store_metadata": table,
        "record_failure": table,
        "reprocess": table,
        "backfill_object": table,
        "record_terminal": {
            **table,
            "DataKeySQS": {
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": [kms],
                "Condition": {"StringEquals": via("sqs")},
            },
        },
        "describe_execution": {},
    }[key]


@pytest.mark.parametrize("key", FUNCTIONS)
def test_pipeline_function_roles_least_privilege(module_plan, key):
    values = planned(module_plan("pipeline", "readme"))
    assert function_policy(values, key) == expected_function_policy(key, tracing=True, kms=None)


@pytest.mark.parametrize("key", FUNCTIONS)
def test_pipeline_function_roles_kms_no_tracing(module_plan, key):
    values = planned(module_plan("pipeline", "express-kms"))
    kms = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"
    assert function_policy(values, key) == expected_function_policy(key, tracing=False, kms=kms)


def test_pipeline_functions(module_plan):
    values = planned(module_plan("pipeline", "readme"))
    for key in FUNCTIONS:
        fn = values[f'module.pipeline.aws_lambda_function.this["{key}"]']
        assert fn["function_name"] == "photos-dev-" + key.replace("_", "-")
        assert fn["handler"] == f"image_pipeline.handlers.{key}.handler"
        assert (fn["runtime"], fn["architectures"]) == ("python3.13", ["arm64"])
        assert fn["tracing_config"] == [{"mode": "Active"}]
        env = fn["environment"][0]["variables"]
        assert env["POWERTOOLS_SERVICE_NAME"] == key
        assert env["POWERTOOLS_TRACE_DISABLED"] == "false"
        assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
        assert fn["memory_size"] == MEASURED_MEMORY[key]  # generate_thumbnail: README's override
        log = values[f'module.pipeline.aws_cloudwatch_log_group.function["{key}"]']
        assert log["name"] == f"/aws/lambda/{fn['function_name']}"

    def env(k):
        return values[f'module.pipeline.aws_lambda_function.this["{k}"]']["environment"][0][
            "variables"
        ]

    assert env("store_metadata")["IMAGE_METADATA_TABLE"] == "photos-dev-ImageMetadata"
    assert env("record_failure")["IMAGE_METADATA_TABLE"] == "photos-dev-ImageMetadata"
    assert env("generate_thumbnail")["THUMBNAIL_PREFIX"] == "Thumbnails/"
    assert env("generate_thumbnail")["THUMBNAIL_SIZE"] == "250"
    assert env("detect_labels")["MAX_LABELS"] == "10"
    assert env("detect_labels")["MIN_CONFIDENCE"] == "60"
    for reading in ("extract_metadata", "detect_labels", "generate_thumbnail"):
        assert env(reading)["MAX_IMAGE_PIXELS"] == "89478485"
        assert env(reading)["MAX_OBJECT_BYTES"] == "52428800"  # 50 MiB
        # The formats ImageTypeCheck lets through, every one the library reads by default.
        assert env(reading)["IMAGE_FORMATS"] == "JPEG,PNG,HEIF,AVIF,WEBP,GIF"
    # Every rendition, by name (the order does not matter: one decode, largest first).
    assert env("generate_thumbnail")["RENDITIONS"] == "preview:1280,thumbnail:250"
    assert env("generate_thumbnail")["RENDITION_FORMAT"] == "auto"
    assert env("store_metadata")["HASH_INDEX"] == HASH_INDEX
    assert env("store_metadata")["DUPLICATE_MAX_DISTANCE"] == "6"
    assert "MODERATION_MIN_CONFIDENCE" not in env("detect_labels")  # moderation is off
    for other in ("transform_metadata", "store_metadata", "record_failure", "describe_execution"):
        assert "MAX_OBJECT_BYTES" not in env(other)
    assert env("describe_execution")["STATE_MACHINE_ARN"] == (
        f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{SM_NAME}"
    )


def test_pipeline_reserves_concurrency_by_default(module_plan):
    values = planned(module_plan("pipeline", "readme"))
    reserved = {
        key: values[f'module.pipeline.aws_lambda_function.this["{key}"]'][
            "reserved_concurrent_executions"
        ]
        for key in FUNCTIONS
    }
    assert reserved == dict.fromkeys(FUNCTIONS, 10)


def test_pipeline_concurrency_default_and_overrides(module_plan):
    """express-kms: a default of 25, generate_thumbnail 5, describe_execution unreserved (-1),
    store_metadata's null override inherits the default."""
    values = planned(module_plan("pipeline", "express-kms"))
    reserved = {
        key: values[f'module.pipeline.aws_lambda_function.this["{key}"]'][
            "reserved_concurrent_executions"
        ]
        for key in FUNCTIONS
    }
    assert reserved == {
        **dict.fromkeys(FUNCTIONS, 25),
        "generate_thumbnail": 5,
        "describe_execution": -1,
    }
    env = values['module.pipeline.aws_lambda_function.this["extract_metadata"]']["environment"]
    assert env[0]["variables"]["MAX_OBJECT_BYTES"] == "10485760"


@pytest.mark.parametrize("case", ["readme", "express-kms"])
def test_pipeline_state_machine_role_trusts_only_its_state_machine(module_plan, case):
    role = planned(module_plan("pipeline", case))["module.pipeline.aws_iam_role.state_machine"]
    (statement,) = json.loads(role["assume_role_policy"])["Statement"]
    assert statement["Principal"] == {"Service": "states.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{SM_NAME}"},
    }


@pytest.mark.parametrize("case", ["readme", "express-kms"])
def test_pipeline_state_machine_role(module_plan, case):
    values = planned(module_plan("pipeline", case))
    statements = policy_statements(
        values["module.pipeline.aws_iam_role_policy.state_machine"]["policy"]
    )
    invoke = statements["InvokeOwnSteps"]
    arns = [
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:photos-dev-{k.replace('_', '-')}"
        for k in STEPS
    ]
    assert invoke["Action"] == ["lambda:InvokeFunction"]
    assert invoke["Resource"] == sorted(arns + [f"{a}:*" for a in arns])
    assert "logs:CreateLogDelivery" in statements["LogDelivery"]["Action"]
    assert statements["OwnLogGroup"] == {
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [
            f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vendedlogs/states/{SM_NAME}:*"
        ],
    }
    assert ("XRay" in statements) == (case == "readme")
    # The direct integrations: DetectLabels reads the object with this role's rights, and the
    # unsupported type's one write.
    assert statements["DetectLabels"] == {
        "Effect": "Allow",
        "Action": ["rekognition:DetectLabels"],
        "Resource": ["*"],
    }
    assert statements["ReadIncoming"] == {
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:GetObjectVersion"],
        "Resource": [f"{BUCKET}/Incoming/*"],
    }
    assert statements["UpdateImageMetadata"] == {
        "Effect": "Allow",
        "Action": ["dynamodb:UpdateItem"],
        "Resource": [TABLE_ARN],
    }
    # With a key: only through S3 for the incoming objects, through DynamoDB for the table.
    kms = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"
    data_keys = {k: v for k, v in statements.items() if k.startswith("DataKey")}
    assert data_keys == (
        {}
        if case == "readme"
        else {
            **expected_kms_statements("detect_labels", kms),
            **expected_kms_statements("store_metadata", kms),
        }
    )
    assert set(statements) == {
        "InvokeOwnSteps",
        "DetectLabels",
        "ReadIncoming",
        "UpdateImageMetadata",
        "LogDelivery",
        "OwnLogGroup",
        *(["XRay"] if case == "readme" else ["DataKeyS3", "DataKeyDynamoDB"]),
    }
    sm = values["module.pipeline.aws_sfn_state_machine.this"]
    assert sm["type"] == ("STANDARD" if case == "readme" else "EXPRESS")
    assert sm["tracing_configuration"] == [{"enabled": case == "readme"}]
    assert sm["logging_configuration"][0]["level"] == "ALL"
    log = values["module.pipeline.aws_cloudwatch_log_group.state_machine"]
    assert log["name"] == f"/aws/vendedlogs/states/{SM_NAME}"


def test_pipeline_definition_names_own_functions(module_plan):
    sm = planned(module_plan("pipeline", "readme"))["module.pipeline.aws_sfn_state_machine.this"]
    definition = json.loads(sm["definition"])
    text = json.dumps(definition, indent=1)
    resources = re.findall(r'"Resource": "([^"]+)"', text)
    prefix = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:photos-dev-"
    functions = {r.removeprefix(prefix) for r in resources if r.startswith(prefix)}
    # Every step the role may invoke, and no other function (the backstop is not a step).
    assert functions == {k.replace("_", "-") for k in STEPS}
    # The rest are the direct integrations the role allows, on this module's table.
    assert {r for r in resources if not r.startswith(prefix)} == {
        "arn:aws:states:::aws-sdk:rekognition:detectLabels",
        "arn:aws:states:::dynamodb:updateItem",
    }
    assert re.findall(r'"TableName": "([^"]+)"', text) == ["photos-dev-ImageMetadata"]


@pytest.mark.parametrize(("case", "timeout"), [("readme", 900), ("express-kms", 300)])
def test_pipeline_definition_times_out(module_plan, case, timeout):
    """Nothing runs forever: a top-level TimeoutSeconds (state_machine.timeout_seconds)."""
    sm = planned(module_plan("pipeline", case))["module.pipeline.aws_sfn_state_machine.this"]
    assert json.loads(sm["definition"])["TimeoutSeconds"] == timeout


BACKFILL = "photos-dev-backfill"


def _backfill(values: dict) -> tuple[dict, dict]:
    sm = values["module.pipeline.aws_sfn_state_machine.backfill[0]"]
    return sm, json.loads(sm["definition"])


def test_pipeline_backfill_distributed_map_over_the_listing(module_plan):
    values = planned(module_plan("pipeline", "readme"))
    sm, definition = _backfill(values)
    assert sm["name"] == BACKFILL and sm["type"] == "STANDARD"
    assert definition["States"]["Defaults"]["Parameters"]["defaults"] == {
        "prefix": "Incoming/",
        "all": False,
    }
    backfill = definition["States"]["Backfill"]
    assert backfill["ItemReader"] == {
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "Parameters": {"Bucket": "photos-dev-photos", "Prefix.$": "$.options.prefix"},
    }
    assert backfill["ItemSelector"]["s3Key.$"] == "$$.Map.Item.Value.Key"
    assert backfill["ItemSelector"]["keyEncoded"] is False
    assert (backfill["MaxConcurrency"], backfill["ToleratedFailurePercentage"]) == (10, 5)
    assert backfill["ResultPath"] is None
    processor = backfill["ItemProcessor"]
    assert processor["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    states = processor["States"]
    assert states["Decide"]["Resource"] == (
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:photos-dev-backfill-object"
    )
    run = states["ProcessImage"]
    assert run["Resource"] == "arn:aws:states:::states:startExecution.sync:2"
    assert run["Parameters"] == {
        "StateMachineArn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{SM_NAME}",
        "Name.$": "$.name",
        "Input.$": "$.input",
    }
    # A failed image execution fails the map item (toward the tolerated failures); a start that
    # failed every retry is recorded on the item (StartFailed) first.
    start_failed, image_failed = run["Catch"]
    assert start_failed["Next"] == "RecordStartFailure"
    assert "StepFunctions.ExecutionAlreadyExistsException" in start_failed["ErrorEquals"]
    assert "StepFunctions.ExecutionLimitExceededException" in start_failed["ErrorEquals"]
    assert all(e.startswith("StepFunctions.") for e in start_failed["ErrorEquals"])
    assert (image_failed["ErrorEquals"], image_failed["Next"]) == (["States.ALL"], "ImageFailed")
    assert states["ImageFailed"]["Type"] == states["StartFailed"]["Type"] == "Fail"
    assert states["RecordStartFailure"]["Resource"] == states["Decide"]["Resource"]
    assert states["RecordStartFailure"]["Next"] == "StartFailed"
    fn = values['module.pipeline.aws_lambda_function.this["backfill_object"]']
    env = fn["environment"][0]["variables"]
    assert env["BUCKET_NAME"] == "photos-dev-photos"
    assert env["STATE_MACHINE_ARN"].endswith(f":stateMachine:{SM_NAME}")


def test_pipeline_backfill_role(module_plan):
    values = planned(module_plan("pipeline", "readme"))
    role = values["module.pipeline.aws_iam_role.backfill[0]"]
    (trust,) = json.loads(role["assume_role_policy"])["Statement"]
    assert trust["Condition"]["ArnLike"] == {
        "aws:SourceArn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{BACKFILL}"
    }
    statements = policy_statements(
        values["module.pipeline.aws_iam_role_policy.backfill[0]"]["policy"]
    )
    states = f"arn:aws:states:{REGION}:{ACCOUNT}"
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:photos-dev-backfill-object"
    assert statements["InvokeBackfillObject"]["Resource"] == [function, f"{function}:*"]
    assert statements["RunMapRuns"]["Resource"] == [f"{states}:stateMachine:{BACKFILL}"]
    assert statements["ManageMapRuns"]["Resource"] == [f"{states}:execution:{BACKFILL}/*"]
    assert statements["StartImageProcessing"] == {
        "Effect": "Allow",
        "Action": ["states:StartExecution"],
        "Resource": [f"{states}:stateMachine:{SM_NAME}"],
    }
    assert statements["FollowImageProcessing"]["Resource"] == [f"{states}:execution:{SM_NAME}:*"]
    assert statements["SyncExecutionRule"]["Resource"] == [
        f"arn:aws:events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"
    ]
    assert statements["ListIncoming"] == {
        "Effect": "Allow",
        "Action": ["s3:ListBucket"],
        "Resource": [BUCKET],
        "Condition": {"StringLike": {"s3:prefix": "Incoming/*"}},
    }
    assert "ReadInventory" not in statements and "XRay" in statements


def test_pipeline_backfill_from_an_inventory_manifest(module_plan):
    values = planned(module_plan("pipeline", "backfill-inventory"))
    _, definition = _backfill(values)
    backfill = definition["States"]["Backfill"]
    assert backfill["ItemReader"] == {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "MANIFEST"},
        "Parameters": {"Bucket": "photos-dev-inventory", "Key.$": "$.options.manifestKey"},
    }
    assert backfill["ItemSelector"]["keyEncoded"] is True
    assert (backfill["MaxConcurrency"], backfill["ToleratedFailurePercentage"]) == (50, 0)
    statements = policy_statements(
        values["module.pipeline.aws_iam_role_policy.backfill[0]"]["policy"]
    )
    assert "ListIncoming" not in statements
    assert statements["ReadInventory"]["Resource"] == [
        "arn:aws:s3:::photos-dev-inventory/photos-dev-photos/all/*"
    ]
    assert statements["DecryptInventory"]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}
    }


def test_pipeline_backfill_off(module_plan):
    values = planned(module_plan("pipeline", "backfill-off"))
    assert not [a for a in values if "backfill" in a]
    assert 'module.pipeline.aws_lambda_function.this["reprocess"]' in values


def test_pipeline_execution_index_is_the_tables(module_plan):
    """backfill-off names its table's index on executionName: record_terminal queries that one,
    and may query nothing else."""
    values = planned(module_plan("pipeline", "backfill-off"))
    statements = function_policy(values, "record_terminal")
    assert statements["FindOwnedItem"] == {
        "Effect": "Allow",
        "Action": ["dynamodb:Query"],
        "Resource": [f"{TABLE_ARN}/index/by-execution-name"],
    }
    queries = [k for k, v in statements.items() if any("Query" in a for a in v["Action"])]
    assert queries == ["FindOwnedItem"]
    fn = values['module.pipeline.aws_lambda_function.this["record_terminal"]']
    assert fn["environment"][0]["variables"]["EXECUTION_INDEX"] == "by-execution-name"


@pytest.mark.parametrize("case", ["readme", "express-kms"])
def test_pipeline_backstop_rule_target_and_permissions(module_plan, case):
    """This state machine's FAILED, TIMED_OUT and ABORTED executions go to record_terminal,
    retried by EventBridge into a dead-letter queue, by Lambda into the same queue."""
    values = planned(module_plan("pipeline", case))
    sm_arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{SM_NAME}"
    rule_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{SM_NAME}-terminal"
    fn_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:photos-dev-record-terminal"
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:photos-dev-record-terminal-dlq"
    rule = values["module.pipeline.aws_cloudwatch_event_rule.terminal"]
    assert json.loads(rule["event_pattern"]) == {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"status": ["FAILED", "TIMED_OUT", "ABORTED"], "stateMachineArn": [sm_arn]},
    }
    target = values["module.pipeline.aws_cloudwatch_event_target.terminal"]
    assert target["rule"] == f"{SM_NAME}-terminal"
    assert target["retry_policy"] == [
        {"maximum_event_age_in_seconds": 86400, "maximum_retry_attempts": 185}
    ]
    assert target["dead_letter_config"] == [{"arn": queue_arn}]
    permission = values["module.pipeline.aws_lambda_permission.terminal"]
    assert (permission["principal"], permission["source_arn"], permission["source_account"]) == (
        "events.amazonaws.com",
        rule_arn,
        ACCOUNT,
    )
    raw_policy = values["module.pipeline.aws_sqs_queue_policy.terminal_dlq"]["policy"]
    assert policy_statements(raw_policy) == {
        "EventBridgeDeadLetters": {
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": [queue_arn],
            "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
        }
    }
    [statement] = json.loads(raw_policy)["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    invoke_config = values[
        "module.pipeline.aws_lambda_function_event_invoke_config.record_terminal"
    ]
    assert invoke_config["maximum_retry_attempts"] == 2
    assert invoke_config["destination_config"][0]["on_failure"][0]["destination"] == queue_arn
    fn = values['module.pipeline.aws_lambda_function.this["record_terminal"]']
    env = fn["environment"][0]["variables"]
    assert env["STATE_MACHINE_ARN"] == sm_arn
    assert env["IMAGE_METADATA_TABLE"] == "photos-dev-ImageMetadata"
    assert env["EXECUTION_INDEX"] == EXECUTION_INDEX
    assert fn_arn.endswith(fn["function_name"])
    queue = values["module.pipeline.aws_sqs_queue.terminal_dlq"]
    if case == "readme":
        assert queue["sqs_managed_sse_enabled"] is True
    else:
        assert queue["kms_master_key_id"].startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")


def references(plan_json: dict, module: str, address: str) -> dict[str, list[str]]:
    """What each argument of a module's resource refers to, from the plan's configuration (for
    values unknown until apply, such as ARNs)."""
    config = plan_json["configuration"]["root_module"]["module_calls"][module]["module"]
    (resource,) = [r for r in config["resources"] if r["address"] == address]
    return {k: v.get("references", []) for k, v in resource["expressions"].items()}


PIPELINE_CASES = [c for m, c in CASES if m == "pipeline"]


@pytest.mark.parametrize("case", PIPELINE_CASES)
def test_pipeline_express_backstop_from_the_log_group(module_plan, case):
    """EXPRESS executions put no EventBridge event: their bad endings reach record_terminal
    from the state machine's log group, which alone may invoke it. STANDARD has neither."""
    plan_json = module_plan("pipeline", case)
    values = planned(plan_json)
    express = values["module.pipeline.aws_sfn_state_machine.this"]["type"] == "EXPRESS"
    assert express == (case == "express-kms")
    filters = {a: v for a, v in values.items() if ".aws_cloudwatch_log_subscription_filter." in a}
    permissions = {a for a in values if ".aws_lambda_permission.terminal_logs" in a}
    if not express:
        assert (filters, permissions) == ({}, set())
        assert counts(plan_json)["aws_lambda_permission"] == 1  # EventBridge's only
        return
    assert list(filters) == ["module.pipeline.aws_cloudwatch_log_subscription_filter.terminal[0]"]
    (subscription,) = filters.values()
    assert subscription["name"] == f"{SM_NAME}-terminal"
    assert subscription["log_group_name"] == f"/aws/vendedlogs/states/{SM_NAME}"
    endings = re.findall(r'\$\.type = "(\w+)"', subscription["filter_pattern"])
    assert endings == ["ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"]
    assert subscription["filter_pattern"].count("||") == 2  # any of them, nothing else
    to = references(plan_json, "pipeline", "aws_cloudwatch_log_subscription_filter.terminal")
    assert 'aws_lambda_function.this["record_terminal"].arn' in to["destination_arn"]
    permission = values["module.pipeline.aws_lambda_permission.terminal_logs[0]"]
    assert (permission["action"], permission["function_name"]) == (
        "lambda:InvokeFunction",
        "photos-dev-record-terminal",
    )
    assert (permission["principal"], permission["source_account"]) == (
        "logs.amazonaws.com",
        ACCOUNT,
    )
    source = references(plan_json, "pipeline", "aws_lambda_permission.terminal_logs")
    assert source["source_arn"][0] == "aws_cloudwatch_log_group.state_machine.arn"
    assert source["function_name"][0] == 'aws_lambda_function.this["record_terminal"].function_name'


# ---- trigger -------------------------------------------------------------------------------


def test_trigger(module_plan):
    values = planned(module_plan("trigger", "readme"))
    statements = policy_statements(values["module.trigger.aws_iam_role_policy.this"]["policy"])
    name = "photos-dev-start-execution"
    allow = lambda a, r: {"Effect": "Allow", "Action": sorted(a), "Resource": sorted(r)}  # noqa: E731
    assert statements == {
        "OwnLogGroup": allow(
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{name}:*"],
        ),
        "ReadIncoming": allow(["s3:GetObject", "s3:GetObjectVersion"], [f"{BUCKET}/Incoming/*"]),
        # Removal: a deleted key answers 404 (ListBucket), renditions go with every version.
        "ListIncoming": allow(["s3:ListBucket"], [BUCKET])
        | {"Condition": {"StringLike": {"s3:prefix": "Incoming/*"}}},
        "ListRenditionVersions": allow(["s3:ListBucketVersions"], [BUCKET])
        | {"Condition": {"StringLike": {"s3:prefix": "Thumbnails/*"}}},
        "DeleteRenditions": allow(
            ["s3:DeleteObject", "s3:DeleteObjectVersion"], [f"{BUCKET}/Thumbnails/*"]
        ),
        "WriteImageMetadata": allow(
            ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
            [TABLE_ARN],
        ),
        "StartOwnStateMachine": allow(
            ["states:StartExecution"], [f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{SM_NAME}"]
        ),
        "StopOwnExecutions": allow(
            ["states:StopExecution"], [f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{SM_NAME}:*"]
        ),
        "DeadLetterQueue": allow(
            ["sqs:SendMessage"], [f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}-dlq"]
        ),
        "RedriveDeadLetters": allow(
            [
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage",
            ],
            [f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}-dlq"],
        ),
    }
    fn = values["module.trigger.aws_lambda_function.this"]
    assert fn["handler"] == "image_pipeline.handlers.start_execution.handler"
    assert fn["reserved_concurrent_executions"] == 10
    assert "MAX_OBJECT_BYTES" not in fn["environment"][0]["variables"]  # the pipeline checks
    env = fn["environment"][0]["variables"]
    assert env["INCOMING_PREFIX"] == "Incoming/"
    assert env["IMAGE_METADATA_TABLE"] == "photos-dev-ImageMetadata"
    assert env["STATE_MACHINE_ARN"].endswith(f":stateMachine:{SM_NAME}")
    permission = values["module.trigger.aws_lambda_permission.s3"]
    assert (permission["principal"], permission["source_arn"], permission["source_account"]) == (
        "s3.amazonaws.com",
        BUCKET,
        ACCOUNT,
    )
    notification = values["module.trigger.aws_s3_bucket_notification.this"]
    assert notification["bucket"] == "photos-dev-photos"
    rules = {tuple(r["events"]): r["filter_prefix"] for r in notification["lambda_function"]}
    assert rules == {("s3:ObjectCreated:*",): "Incoming/", ("s3:ObjectRemoved:*",): "Incoming/"}
    assert env["THUMBNAIL_PREFIX"] == "Thumbnails/"
    assert values["module.trigger.aws_sqs_queue.dlq"]["sqs_managed_sse_enabled"] is True
    invoke_config = values["module.trigger.aws_lambda_function_event_invoke_config.this"]
    assert invoke_config["destination_config"][0]["on_failure"][0]["destination"] == (
        f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}-dlq"
    )
    # A throttled event reaches the dead-letter queue within an hour, not Lambda's six.
    assert invoke_config["maximum_event_age_in_seconds"] == 3600
    # The dead-letter queue is consumed: redriven, or recorded StartFailed, one by one.
    mapping = values["module.trigger.aws_lambda_event_source_mapping.redrive"]
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert mapping["batch_size"] == 10
    assert values["module.trigger.aws_sqs_queue.dlq"]["visibility_timeout_seconds"] == 180


def test_trigger_kms_only_through_dynamodb_and_sqs(module_plan):
    """trigger/kms: the key only as DynamoDB uses it for the table and SQS for the queue;
    reserved concurrency 3."""
    values = planned(module_plan("trigger", "kms"))
    statements = policy_statements(values["module.trigger.aws_iam_role_policy.this"]["policy"])
    kms = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"
    assert {k: v for k, v in statements.items() if k.startswith("DataKey")} == {
        "DataKeyDynamoDB": {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [kms],
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": f"dynamodb.{REGION}.amazonaws.com",
                    "kms:EncryptionContext:aws:dynamodb:tableName": "photos-dev-ImageMetadata",
                    "kms:EncryptionContext:aws:dynamodb:subscriberId": ACCOUNT,
                }
            },
        },
        "DataKeySQS": {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [kms],
            "Condition": {"StringEquals": {"kms:ViaService": f"sqs.{REGION}.amazonaws.com"}},
        },
    }
    assert values["module.trigger.aws_sqs_queue.dlq"]["kms_master_key_id"] == kms
    assert values["module.trigger.aws_lambda_function.this"]["reserved_concurrent_executions"] == 3


# ---- test-client ---------------------------------------------------------------------------


ME = "${cognito-identity.amazonaws.com:sub}"


def expected_browser_policy(kms: str | None = None, reprocess: str | None = None) -> dict:
    """The browser role's policy: every grant limited to the caller's own identity id."""
    image = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/photos-dev-ImageMetadata"
    album = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/photos-dev-AlbumMetadata"

    def allow(actions, resources, **condition):
        return {
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": sorted(resources),
            **({"Condition": condition} if condition else {}),
        }

    out = {
        "UploadOwnIncoming": allow(
            ["s3:PutObject", "s3:AbortMultipartUpload"], [f"{BUCKET}/Incoming/{ME}/*"]
        ),
        "DeleteOwnIncoming": allow(["s3:DeleteObject"], [f"{BUCKET}/Incoming/{ME}/*"]),
        "ListOwnIncoming": allow(
            ["s3:ListBucket"], [BUCKET], StringLike={"s3:prefix": f"Incoming/{ME}/*"}
        ),
        "ReadOwnRenditions": allow(["s3:GetObject"], [f"{BUCKET}/Thumbnails/{ME}/*"]),
        "ReadOwnImages": allow(
            ["dynamodb:GetItem", "dynamodb:Query"],
            [image, f"{image}/index/albumID-uploadTime-index"],
            **{"ForAllValues:StringLike": {"dynamodb:LeadingKeys": f"{ME}/*"}},
        ),
        "ReadOwnAlbums": allow(
            ["dynamodb:GetItem", "dynamodb:Query"],
            [album, f"{album}/index/userID-creationTime-index"],
            **{"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [ME, f"{ME}/*"]}},
        ),
        "CreateOwnAlbums": allow(
            ["dynamodb:PutItem"],
            [album],
            **{
                "ForAllValues:StringLike": {"dynamodb:LeadingKeys": f"{ME}/*"},
                "ForAllValues:StringEquals": {
                    "dynamodb:Attributes": ["albumID", "userID", "albumName", "creationTime"]
                },
            },
        ),
        "DeleteOwnAlbums": allow(
            ["dynamodb:DeleteItem"],
            [album],
            **{"ForAllValues:StringLike": {"dynamodb:LeadingKeys": f"{ME}/*"}},
        ),
    }
    if reprocess:
        out["RetryOwnPhotos"] = allow(["lambda:InvokeFunction"], [reprocess])
    if kms:
        # S3 names the bucket (S3 Bucket Keys) or the object, DynamoDB the table and account.
        data_keys = ["kms:Decrypt", "kms:GenerateDataKey"]
        out["DataKeyS3"] = allow(
            data_keys,
            [kms],
            StringEquals={"kms:ViaService": f"s3.{REGION}.amazonaws.com"},
            StringLike={
                "kms:EncryptionContext:aws:s3:arn": [
                    BUCKET,
                    f"{BUCKET}/Incoming/{ME}/*",
                    f"{BUCKET}/Thumbnails/{ME}/*",
                ]
            },
        )
        out["DataKeyDynamoDB"] = allow(
            data_keys,
            [kms],
            StringEquals={
                "kms:ViaService": f"dynamodb.{REGION}.amazonaws.com",
                "kms:EncryptionContext:aws:dynamodb:tableName": [
                    "photos-dev-ImageMetadata",
                    "photos-dev-AlbumMetadata",
                ],
                "kms:EncryptionContext:aws:dynamodb:subscriberId": ACCOUNT,
            },
        )
    return out


def browser_policy(values: dict, identity: str = "authenticated") -> dict:
    return policy_statements(
        values[f'module.test_client.aws_iam_role_policy.browser["{identity}"]']["policy"]
    )


def test_test_client_browser_policy_is_per_identity(module_plan):
    """Every grant is limited to the caller's own identity id: keys, items, albums."""
    values = planned(module_plan("test-client", "readme"))
    assert [k for k in values if ".aws_iam_role.browser[" in k] == [
        'module.test_client.aws_iam_role.browser["authenticated"]'
    ]
    # No reprocess_function_arn in this usage: no function to invoke; no key.
    assert browser_policy(values) == expected_browser_policy()
    pool = values["module.test_client.aws_cognito_identity_pool.this"]
    assert pool["allow_unauthenticated_identities"] is False
    client = values["module.test_client.aws_cognito_user_pool_client.web"]
    assert client["generate_secret"] is False
    assert "ALLOW_USER_PASSWORD_AUTH" in client["explicit_auth_flows"]


def test_test_client_kms_only_for_own_objects_and_the_tables(module_plan):
    """test-client/kms: the key only through S3 for the bucket (Bucket Keys) or the caller's own
    objects, and through DynamoDB for the two tables of this account; retry by invoking the
    reprocess function only."""
    values = planned(module_plan("test-client", "kms"))
    kms = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"
    reprocess = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:photos-dev-reprocess"
    assert browser_policy(values) == expected_browser_policy(kms=kms, reprocess=reprocess)


def test_test_client_guests_get_the_same_isolation(module_plan):
    values = planned(module_plan("test-client", "guests"))
    policies = {k: v["policy"] for k, v in values.items() if ".aws_iam_role_policy.browser[" in k}
    assert len(policies) == 2 and len(set(policies.values())) == 1


def test_test_client_trust_policy_checks_aud_and_amr(stage, terraform_bin, tf_env):
    """The trust policy depends on the pool id (unknown at plan): check the configuration."""
    text = (ROOT / "modules" / "test-client" / "main.tf").read_text()
    assert '"cognito-identity.amazonaws.com:aud"' in text
    assert "values   = [aws_cognito_identity_pool.this.id]" in text
    assert '"cognito-identity.amazonaws.com:amr"' in text
    assert "sts:AssumeRoleWithWebIdentity" in text


# ---- root module: the wiring between the parts ---------------------------------------------


def test_root_module_wires_the_parts(module_plan):
    """One name for each thing: every part names the storage module's bucket and tables, the
    trigger starts the pipeline's state machine, and the packages follow one naming convention."""
    values = planned(module_plan("root", "readme"))
    bucket = f"photos-dev-photos-{ACCOUNT}-{REGION}"
    image = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/photos-dev-ImageMetadata"
    album = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/photos-dev-AlbumMetadata"
    prefix = "module.image_pipeline.module"
    assert values[f"{prefix}.storage.aws_s3_bucket.this[0]"]["bucket"] == bucket
    assert values[f"{prefix}.trigger.aws_s3_bucket_notification.this"]["bucket"] == bucket
    trigger_env = values[f"{prefix}.trigger.aws_lambda_function.this"]["environment"][0]
    assert trigger_env["variables"]["STATE_MACHINE_ARN"] == (
        f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{SM_NAME}"
    )
    assert trigger_env["variables"]["IMAGE_METADATA_TABLE"] == "photos-dev-ImageMetadata"
    layer = values[f"{prefix}.pipeline.aws_lambda_layer_version.dependencies"]
    assert layer["filename"].endswith("build/lambda/layer-python3.13-arm64.zip")
    browser = policy_statements(
        values[f'{prefix}.test_client[0].aws_iam_role_policy.browser["authenticated"]']["policy"]
    )
    assert browser["ReadOwnImages"]["Resource"] == [
        image,
        f"{image}/index/albumID-uploadTime-index",
    ]
    assert browser["ReadOwnAlbums"]["Resource"] == [
        album,
        f"{album}/index/userID-creationTime-index",
    ]
    assert browser["UploadOwnIncoming"]["Resource"] == [
        f"arn:aws:s3:::{bucket}/Incoming/${{cognito-identity.amazonaws.com:sub}}/*"
    ]
    # The web app's retry: the pipeline's reprocess function and no other.
    reprocess = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:photos-dev-reprocess"
    assert browser["RetryOwnPhotos"] == {
        "Effect": "Allow",
        "Action": ["lambda:InvokeFunction"],
        "Resource": [reprocess],
    }
    statements = policy_statements(
        values[f'{prefix}.pipeline.aws_iam_role_policy.function["generate_thumbnail"]']["policy"]
    )
    assert statements["WriteThumbnails"]["Resource"] == [f"arn:aws:s3:::{bucket}/Thumbnails/*"]


def test_root_module_creates_the_key(module_plan):
    """encryption.create_kms_key: one key, rotated, a 30-day deletion window, alias
    alias/<name_prefix>, administered by the account and usable by CloudWatch Logs for this
    account's log groups only; every part gets it as its kms_key_arn."""
    plan_json = module_plan("root", "kms")
    values = planned(plan_json)
    key = values["module.image_pipeline.aws_kms_key.this[0]"]
    assert key["enable_key_rotation"] is True
    assert key["deletion_window_in_days"] == 30
    assert values["module.image_pipeline.aws_kms_alias.this[0]"]["name"] == "alias/photos-dev"
    assert policy_statements(key["policy"]) == {
        "AccountAdministration": {
            "Effect": "Allow",
            "Action": ["kms:*"],
            "Resource": ["*"],
        },
        "CloudWatchLogs": {
            "Effect": "Allow",
            "Action": [
                "kms:Decrypt*",
                "kms:Describe*",
                "kms:Encrypt*",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
            ],
            "Resource": ["*"],
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:*"
                }
            },
        },
        "EventBridgeDeadLetters": {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": ["*"],
            "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnLike": {
                    "aws:SourceArn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/photos-dev-*"
                },
            },
        },
    }
    principals = {s["Sid"]: s["Principal"] for s in json.loads(key["policy"])["Statement"]}
    assert principals == {
        "AccountAdministration": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "CloudWatchLogs": {"Service": f"logs.{REGION}.amazonaws.com"},
        "EventBridgeDeadLetters": {"Service": "events.amazonaws.com"},
    }
    # The key's ARN is known after apply only: the bucket, the tables, the queues and the log
    # groups take it from the key (null there would have been known at plan time).
    unknown = {c["address"]: c["change"]["after_unknown"] for c in plan_json["resource_changes"]}
    storage, pipeline = (
        "module.image_pipeline.module.storage",
        "module.image_pipeline.module.pipeline",
    )
    sse = unknown[f"{storage}.aws_s3_bucket_server_side_encryption_configuration.this[0]"]
    assert sse["rule"][0]["apply_server_side_encryption_by_default"][0]["kms_master_key_id"]
    assert unknown[f"{storage}.aws_dynamodb_table.image_metadata[0]"]["server_side_encryption"][0][
        "kms_key_arn"
    ]
    assert unknown[f"{pipeline}.aws_sqs_queue.terminal_dlq"]["kms_master_key_id"]
    assert unknown[f"{pipeline}.aws_cloudwatch_log_group.state_machine"]["kms_key_id"]


# ---- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "replace", "message"),
    [
        (
            "pipeline",
            (
                'definition_template = "${path.module}/statemachine.json.tftpl"',
                'definition_template = "${path.module}/statemachine.json.tftpl"\n    type = "SYNC"',
            ),
            "state_machine.type must be STANDARD or EXPRESS",
        ),
        (
            "pipeline",
            ('name_prefix = "photos-dev"', 'name_prefix = "photos-dev"\n  architecture = "arm"'),
            "architecture must be arm64 or x86_64",
        ),
        (
            "storage",
            ('name_prefix = "photos-dev"', 'name_prefix = "Photos_Dev"'),
            "name_prefix must be 3-40",
        ),
        (".", ('= "photos-dev"', '= "Photos-Dev"'), "name_prefix must be 3-40"),
        (
            "pipeline",
            (
                'name_prefix = "photos-dev"',
                'name_prefix = "photos-dev"\n  image_settings = { max_object_bytes = 0 }',
            ),
            "image_settings.max_object_bytes must be a whole number of bytes",
        ),
        (
            "pipeline",
            (
                'name_prefix = "photos-dev"',
                'name_prefix = "photos-dev"\n  image_settings = { formats = ["JPEG", "TIFF"] }',
            ),
            "image_settings.formats: one or more of JPEG, PNG, HEIF, AVIF, WEBP, GIF",
        ),
        (
            "pipeline",
            (
                'name_prefix = "photos-dev"',
                'name_prefix = "photos-dev"\n  image_settings = { formats = [] }',
            ),
            "image_settings.formats: one or more of JPEG, PNG, HEIF, AVIF, WEBP, GIF",
        ),
        (
            "pipeline",
            ("timeout = 60 }", "timeout = 60, reserved_concurrent_executions = -2 }"),
            "Reserved concurrency must be a whole number",
        ),
        (
            "trigger",
            (
                'name_prefix = "photos-dev"',
                'name_prefix = "photos-dev"\n  function = { reserved_concurrent_executions = 2.5 }',
            ),
            "function.reserved_concurrent_executions must be a whole number",
        ),
        (
            "trigger",
            (
                'name_prefix = "photos-dev"',
                'name_prefix = "photos-dev"\n  function = { maximum_event_age_in_seconds = 30 }',
            ),
            "function.maximum_event_age_in_seconds must be 60-21600",
        ),
        (
            "pipeline",
            (
                'name_prefix = "photos-dev"',
                'name_prefix = "photos-dev"\n  backfill = { max_concurrency = 0 }',
            ),
            "backfill.max_concurrency must be a whole number from 1 to 10000",
        ),
        (
            "pipeline",
            (
                'name_prefix = "photos-dev"',
                'name_prefix = "photos-dev"\n  backfill = { tolerated_failure_percentage = 101 }',
            ),
            "backfill.tolerated_failure_percentage must be between 0 and 100",
        ),
        (
            ".",
            (
                "tracing_enabled = true",
                "tracing_enabled = true\n  encryption = { create_kms_key = true, kms_key_arn = "
                '"arn:aws:kms:eu-west-1:123456789012:key/mine" }',
            ),
            "set kms_key_arn (a key of yours) or create_kms_key",
        ),
        ("trigger", ('"Incoming/"', '"Incoming/"'), None),
    ],
    ids=[
        "sfn-type",
        "architecture",
        "bucket-prefix",
        "root-prefix",
        "max-object-bytes",
        "unknown-format",
        "no-format",
        "step-concurrency",
        "trigger-concurrency",
        "trigger-event-age",
        "backfill-concurrency",
        "backfill-tolerated",
        "root-kms-both",
        "valid",
    ],
)
def test_validation(stage, terraform_bin, tf_env, module, replace, message):
    import tftest

    hcl = readme_usage(module).replace(*replace)
    tfdir = stage(f"environments/invalid-{module}", main_tf=hcl)
    tf = tftest.TerraformTest(str(tfdir), binary=terraform_bin, env=tf_env)
    tf.setup(init_vars=None, upgrade=False, cleanup_on_exit=False)
    if message is None:
        assert "Success" in tf.execute_command("validate", "-no-color").out
        return
    with pytest.raises(tftest.TerraformTestError) as error:
        tf.execute_command("validate", "-no-color")
    assert message in " ".join(str(error.value).split())
