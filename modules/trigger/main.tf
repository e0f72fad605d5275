data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  function_name  = "${var.name_prefix}-start-execution"
  queue_name     = "${local.function_name}-dlq"
  log_group_name = "/aws/lambda/${local.function_name}"
  functions_hash = coalesce(var.package.functions_hash, filebase64sha256(var.package.functions_zip))
  source_account = coalesce(var.bucket_owner_account_id, data.aws_caller_identity.current.account_id)

  # ARNs built from names, as AWS builds them: the role's policy is known at plan time.
  _arn_base     = "${data.aws_partition.current.partition}:%s:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
  bucket_arn    = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket_name}"
  queue_arn     = "arn:${format(local._arn_base, "sqs")}:${local.queue_name}"
  log_group_arn = "arn:${format(local._arn_base, "logs")}:log-group:${local.log_group_name}"
  # The executions of the state machine, whose ARN differs in its resource type only.
  execution_arns = "${replace(var.state_machine_arn, ":stateMachine:", ":execution:")}:*"
}

resource "aws_sqs_queue" "dlq" {
  name                      = local.queue_name
  message_retention_seconds = var.dead_letter_queue.message_retention_seconds
  # The function consumes the queue (aws_lambda_event_source_mapping.redrive): a message is
  # hidden for six times its timeout while a batch is redriven, as Lambda recommends.
  visibility_timeout_seconds        = max(30, 6 * var.function.timeout)
  sqs_managed_sse_enabled           = var.encryption.kms_key_arn == null ? true : null
  kms_master_key_id                 = var.encryption.kms_key_arn
  kms_data_key_reuse_period_seconds = var.encryption.kms_key_arn == null ? null : 300
  tags                              = var.tags
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is a per-environment choice (logs.retention_in_days); prod sets a year or more.
  #checkov:skip=CKV_AWS_158:Log groups are encrypted by CloudWatch Logs by default; encryption.kms_key_arn switches to a customer managed key.
  name              = local.log_group_name
  retention_in_days = var.logs.retention_in_days
  kms_key_id        = var.encryption.logs ? var.encryption.kms_key_arn : null
  tags              = var.tags
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${local.function_name}-role"
  description        = "Execution role of ${local.function_name}."
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "this" {
  #checkov:skip=CKV_AWS_356:Only the X-Ray actions, which have no resource-level permissions, use "*".
  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
  }

  # HeadObject is authorised by s3:GetObject; of the version the event names (VersionId),
  # by s3:GetObjectVersion as well.
  statement {
    sid       = "ReadIncoming"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${local.bucket_arn}/${var.prefixes.incoming}*"]
  }

  # Without s3:ListBucket, HeadObject of a deleted key answers 403 instead of 404: a removal
  # could not tell a deleted photo from a denied one.
  statement {
    sid       = "ListIncoming"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.prefixes.incoming}*"]
    }
  }

  # A removed photo's renditions go with every version (derived data: nothing to keep).
  statement {
    sid       = "ListRenditionVersions"
    actions   = ["s3:ListBucketVersions"]
    resources = [local.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.prefixes.thumbnails}*"]
    }
  }

  statement {
    sid       = "DeleteRenditions"
    actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    resources = ["${local.bucket_arn}/${var.prefixes.thumbnails}*"]
  }

  # GetItem: a redelivered event finds the item already written and reads its status;
  # DeleteItem: a removed photo's item, while it names the execution the removal read.
  statement {
    sid       = "WriteImageMetadata"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [var.image_metadata_table.arn]
  }

  statement {
    sid       = "StartOwnStateMachine"
    actions   = ["states:StartExecution"]
    resources = [var.state_machine_arn]
  }

  # A photo removed while it is processed: its execution is stopped.
  statement {
    sid       = "StopOwnExecutions"
    actions   = ["states:StopExecution"]
    resources = [local.execution_arns]
  }

  # SendMessage: the on-failure destination; the rest: the event source mapping that redrives
  # what the queue holds (and records StartFailed when the start fails again).
  statement {
    sid       = "DeadLetterQueue"
    actions   = ["sqs:SendMessage"]
    resources = [local.queue_arn]
  }

  statement {
    sid       = "RedriveDeadLetters"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
    resources = [local.queue_arn]
  }

  dynamic "statement" {
    for_each = var.tracing_enabled ? [1] : []
    content {
      sid       = "XRay"
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"]
    }
  }

  # The customer managed key, only as DynamoDB and SQS use it on the function's behalf
  # (kms:ViaService): DynamoDB for this table and account (the encryption context it sets:
  # aws:dynamodb:tableName, aws:dynamodb:subscriberId); SQS when the failure destination sends
  # to the dead-letter queue. HeadObject reads no content, so S3 needs no key here.
  dynamic "statement" {
    for_each = var.encryption.kms_key_arn == null ? [] : [var.encryption.kms_key_arn]
    content {
      sid       = "DataKeyDynamoDB"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["dynamodb.${data.aws_region.current.name}.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:aws:dynamodb:tableName"
        values   = [var.image_metadata_table.name]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:aws:dynamodb:subscriberId"
        values   = [data.aws_caller_identity.current.account_id]
      }
    }
  }

  dynamic "statement" {
    for_each = var.encryption.kms_key_arn == null ? [] : [var.encryption.kms_key_arn]
    content {
      sid       = "DataKeySQS"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["sqs.${data.aws_region.current.name}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "least-privilege"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Failed asynchronous invocations go to the SQS queue through an on-failure destination (aws_lambda_function_event_invoke_config), which also carries the error.
  #checkov:skip=CKV_AWS_117:The function reaches only public AWS APIs (S3, DynamoDB, Step Functions); no VPC resources to reach.
  #checkov:skip=CKV_AWS_115:Concurrency is reserved (function.reserved_concurrent_executions, 10 by default); checkov cannot resolve the value, and -1 opts out.
  #checkov:skip=CKV_AWS_173:The environment holds names and ARNs only, no secrets; the default AWS managed key encrypts it.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile owned by the estate; packages are built reproducibly by tools/package.py.
  #checkov:skip=CKV_AWS_50:X-Ray is optional (tracing_enabled) and costs money; environments turn it on.
  function_name    = local.function_name
  description      = "Starts one image pipeline execution per object created under ${var.prefixes.incoming}; removes what a deleted one leaves."
  role             = aws_iam_role.this.arn
  handler          = "image_pipeline.handlers.start_execution.handler"
  runtime          = var.runtime
  architectures    = [var.architecture]
  filename         = var.package.functions_zip
  source_code_hash = local.functions_hash
  layers           = [var.package.layer_arn]
  memory_size      = var.function.memory_size
  timeout          = var.function.timeout

  # A flood of uploads cannot take the account's whole Lambda concurrency: S3 invokes
  # asynchronously, and Lambda keeps retrying throttled events (up to 6 hours) before they go
  # to the dead-letter queue.
  reserved_concurrent_executions = var.function.reserved_concurrent_executions

  environment {
    variables = {
      POWERTOOLS_SERVICE_NAME   = "start_execution"
      POWERTOOLS_LOG_LEVEL      = var.function.log_level
      POWERTOOLS_TRACE_DISABLED = var.tracing_enabled ? "false" : "true"
      IMAGE_METADATA_TABLE      = var.image_metadata_table.name
      STATE_MACHINE_ARN         = var.state_machine_arn
      INCOMING_PREFIX           = var.prefixes.incoming
      THUMBNAIL_PREFIX          = var.prefixes.thumbnails
    }
  }

  dynamic "tracing_config" {
    for_each = var.tracing_enabled ? [1] : []
    content {
      mode = "Active"
    }
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this]
}

resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = var.function.maximum_retry_attempts
  maximum_event_age_in_seconds = var.function.maximum_event_age_in_seconds

  destination_config {
    on_failure {
      destination = local.queue_arn
    }
  }

  # The role's policy must allow sqs:SendMessage before Lambda accepts the destination.
  depends_on = [aws_sqs_queue.dlq, aws_iam_role_policy.this]
}

resource "aws_lambda_permission" "s3" {
  statement_id   = "AllowS3Invoke"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = local.bucket_arn
  source_account = local.source_account
}

# Starts that never happened end visibly too: the dead-letter queue's on-failure records (the
# S3 event as requestPayload) come back to the same function, which starts each object again
# (idempotently) or, when that fails too, records its item FAILED with StartFailed. Messages
# are reported one by one (ReportBatchItemFailures): one that cannot be recorded is retried
# alone, the others are deleted.
resource "aws_lambda_event_source_mapping" "redrive" {
  event_source_arn        = aws_sqs_queue.dlq.arn
  function_name           = aws_lambda_function.this.arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]

  depends_on = [aws_iam_role_policy.this]
}

# A bucket has exactly one notification configuration: this resource owns it.
resource "aws_s3_bucket_notification" "this" {
  bucket = var.bucket_name

  lambda_function {
    id                  = "${var.name_prefix}-incoming"
    lambda_function_arn = aws_lambda_function.this.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = var.prefixes.incoming
  }

  # Delete markers and deleted versions: the photo's item and renditions go with it.
  lambda_function {
    id                  = "${var.name_prefix}-incoming-removed"
    lambda_function_arn = aws_lambda_function.this.arn
    events              = ["s3:ObjectRemoved:*"]
    filter_prefix       = var.prefixes.incoming
  }

  depends_on = [aws_lambda_permission.s3]
}
