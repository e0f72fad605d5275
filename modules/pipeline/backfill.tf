# Backfill: a second state machine whose Distributed Map lists the bucket (ItemReader on
# ListObjectsV2, or an S3 Inventory manifest) and runs every object under the input's prefix
# that has no item (all of them when asked) through the image processing state machine, at most
# backfill.max_concurrency executions at a time (each map item waits for its execution: .sync:2).
locals {
  backfill_count         = var.backfill.enabled ? 1 : 0
  backfill_name          = "${var.name_prefix}-backfill"
  backfill_arn           = "arn:${format(local._arn_base, "states")}:stateMachine:${local.backfill_name}"
  backfill_log_group     = "/aws/vendedlogs/states/${local.backfill_name}"
  _inventory             = var.backfill.inventory_manifest
  backfill_inventory_arn = local._inventory == null ? null : "arn:${data.aws_partition.current.partition}:s3:::${local._inventory.bucket_name}"

  # The listing: ListObjectsV2 under the input's prefix, or the objects an S3 Inventory manifest
  # (manifest.json, its key in the input's manifestKey) lists, their keys URL-encoded.
  _list_reader = {
    Resource   = "arn:aws:states:::s3:listObjectsV2"
    Parameters = { Bucket = var.bucket_name, "Prefix.$" = "$.options.prefix" }
  }
  _manifest_reader = {
    Resource     = "arn:aws:states:::s3:getObject"
    ReaderConfig = { InputType = "MANIFEST" }
    Parameters   = { Bucket = try(local._inventory.bucket_name, ""), "Key.$" = "$.options.manifestKey" }
  }
  backfill_item_reader = local._inventory == null ? jsonencode(local._list_reader) : jsonencode(local._manifest_reader)
  # StartExecution's own errors (the start failed; a failed image execution is States.TaskFailed,
  # which a Catch cannot tell from these by wildcard): the item is recorded FAILED StartFailed.
  backfill_start_errors = [for e in [
    "ExecutionAlreadyExists", "ExecutionLimitExceeded", "InvalidArn", "InvalidExecutionInput",
    "InvalidName", "StateMachineDeleting", "StateMachineDoesNotExist", "ValidationException",
    "KmsAccessDeniedException", "KmsInvalidStateException", "KmsThrottlingException",
    "ThrottlingException", "AWSStepFunctionsException", "SdkClientException",
  ] : "StepFunctions.${trimsuffix(e, "Exception")}Exception"]
  # Starting an execution: throttling and service errors again, never a refusal.
  backfill_start_retry = [
    {
      ErrorEquals     = ["StepFunctions.ThrottlingException", "StepFunctions.ExecutionLimitExceededException", "StepFunctions.SdkClientException", "StepFunctions.AWSStepFunctionsException"]
      IntervalSeconds = 2
      MaxAttempts     = 6
      BackoffRate     = 2
      MaxDelaySeconds = 60
      JitterStrategy  = "FULL"
    },
  ]
}

resource "aws_cloudwatch_log_group" "backfill" {
  #checkov:skip=CKV_AWS_338:Retention is a per-environment choice (logs.retention_in_days); prod sets a year or more.
  #checkov:skip=CKV_AWS_158:Log groups are encrypted by CloudWatch Logs by default; encryption.kms_key_arn switches to a customer managed key.
  count = local.backfill_count

  name              = local.backfill_log_group
  retention_in_days = var.logs.retention_in_days
  kms_key_id        = local.logs_kms_key_arn
  tags              = var.tags
}

resource "aws_iam_role" "backfill" {
  count = local.backfill_count

  name               = "${local.backfill_name}-role"
  description        = "Execution role of the ${var.name_prefix} backfill state machine."
  assume_role_policy = data.aws_iam_policy_document.states_assume["backfill"].json
  tags               = var.tags
}

data "aws_iam_policy_document" "backfill" {
  #checkov:skip=CKV_AWS_356:CloudWatch Logs delivery actions and X-Ray actions have no resource-level permissions.
  #checkov:skip=CKV_AWS_111:The log delivery actions (CreateLogDelivery, PutResourcePolicy...) accept only "*".
  count = local.backfill_count

  statement {
    sid       = "InvokeBackfillObject"
    actions   = ["lambda:InvokeFunction"]
    resources = [local.function_arns["backfill_object"], "${local.function_arns["backfill_object"]}:*"]
  }

  # The Distributed Map runs its items as child executions of this state machine.
  statement {
    sid       = "RunMapRuns"
    actions   = ["states:StartExecution"]
    resources = [local.backfill_arn]
  }

  statement {
    sid       = "ManageMapRuns"
    actions   = ["states:DescribeExecution", "states:StopExecution"]
    resources = ["arn:${format(local._arn_base, "states")}:execution:${local.backfill_name}/*"]
  }

  # Each item starts one image processing execution and waits for it (.sync:2): Step Functions
  # follows it with its managed EventBridge rule.
  statement {
    sid       = "StartImageProcessing"
    actions   = ["states:StartExecution"]
    resources = [local.state_machine_arn]
  }

  # An EXPRESS child's ARN is express:<machine>:<name>:<id>; only Step Functions itself
  # follows it for the .sync task (nobody may describe one directly).
  statement {
    sid       = "FollowImageProcessing"
    actions   = ["states:DescribeExecution", "states:StopExecution"]
    resources = var.state_machine.type == "EXPRESS" ? ["arn:${format(local._arn_base, "states")}:express:${local.state_machine_name}:*"] : [local.execution_arn_pattern]
  }

  statement {
    sid       = "SyncExecutionRule"
    actions   = ["events:PutTargets", "events:PutRule", "events:DescribeRule"]
    resources = ["arn:${format(local._arn_base, "events")}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"]
  }

  dynamic "statement" {
    for_each = local._inventory == null ? [1] : []
    content {
      sid       = "ListIncoming"
      actions   = ["s3:ListBucket"]
      resources = [local.bucket_arn]

      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${var.prefixes.incoming}*"]
      }
    }
  }

  dynamic "statement" {
    for_each = local._inventory == null ? [] : [1]
    content {
      sid       = "ReadInventory"
      actions   = ["s3:GetObject"]
      resources = ["${local.backfill_inventory_arn}/${local._inventory.prefix}*"]
    }
  }

  # The inventory bucket's key, when it has one, only through S3.
  dynamic "statement" {
    for_each = try(local._inventory.kms_key_arn, null) == null ? [] : [1]
    content {
      sid       = "DecryptInventory"
      actions   = ["kms:Decrypt"]
      resources = [local._inventory.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${data.aws_region.current.name}.amazonaws.com"]
      }
    }
  }

  # Vended log delivery: these actions accept no resource ARN.
  statement {
    sid = "LogDelivery"
    actions = [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.tracing_enabled ? [1] : []
    content {
      sid       = "XRay"
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "backfill" {
  count = local.backfill_count

  name   = "least-privilege"
  role   = aws_iam_role.backfill[0].id
  policy = data.aws_iam_policy_document.backfill[0].json
}

resource "aws_sfn_state_machine" "backfill" {
  #checkov:skip=CKV_AWS_285:Execution history logging is always on (logging_configuration below); checkov cannot resolve the level from the state_machine object (default ALL).
  #checkov:skip=CKV_AWS_284:X-Ray is optional (tracing_enabled) and costs money; environments turn it on.
  count = local.backfill_count

  name     = local.backfill_name
  type     = "STANDARD" # a Distributed Map runs only in a STANDARD workflow
  role_arn = aws_iam_role.backfill[0].arn

  definition = templatefile("${path.module}/backfill.asl.json.tftpl", {
    incoming_prefix              = var.prefixes.incoming
    item_reader                  = local.backfill_item_reader
    key_encoded                  = local._inventory == null ? "false" : "true"
    max_concurrency              = var.backfill.max_concurrency
    tolerated_failure_percentage = var.backfill.tolerated_failure_percentage
    backfill_object_arn          = local.function_arns["backfill_object"]
    state_machine_arn            = local.state_machine_arn
    retry_transient_errors       = jsonencode(local.retry)
    retry_start                  = jsonencode(local.backfill_start_retry)
    start_errors                 = jsonencode(local.backfill_start_errors)
  })

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.backfill[0].arn}:*"
    include_execution_data = var.state_machine.include_execution_data
    level                  = var.state_machine.log_level
  }

  tracing_configuration {
    enabled = var.tracing_enabled
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.backfill, aws_lambda_function.this, aws_sfn_state_machine.this]
}
