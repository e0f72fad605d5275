locals {
  # Only with the moderation branch: no resource ARN, as DetectLabels.
  _detect_moderation_labels = { sid = "DetectModerationLabels", actions = ["rekognition:DetectModerationLabels"], resources = ["*"] }
  # Every step reads the version start_execution saw: GetObject with a VersionId needs
  # s3:GetObjectVersion as well.
  _read_incoming = {
    sid       = "ReadIncoming"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${local.bucket_arn}/${var.prefixes.incoming}*"]
  }
  _update_item = {
    sid       = "UpdateImageMetadata"
    actions   = ["dynamodb:UpdateItem"]
    resources = [var.image_metadata_table.arn]
  }

  # Exactly what each function's code calls, on exactly what it touches.
  function_statements = {
    extract_metadata   = [local._read_incoming]
    transform_metadata = []
    detect_labels = concat([
      local._read_incoming,
      # DetectLabels takes no resource ARN; Rekognition reads the object with this role's s3:GetObject.
      { sid = "DetectLabels", actions = ["rekognition:DetectLabels"], resources = ["*"] },
    ], var.moderation.enabled ? [local._detect_moderation_labels] : [])
    generate_thumbnail = [
      local._read_incoming,
      { sid = "WriteThumbnails", actions = ["s3:PutObject"], resources = ["${local.bucket_arn}/${var.prefixes.thumbnails}*"] },
    ]
    store_metadata = [
      local._update_item,
      # The owner's photos with their hashes: duplicates.
      { sid = "FindOwnersPhotos", actions = ["dynamodb:Query"], resources = ["${var.image_metadata_table.arn}/index/${var.image_metadata_table.hash_index_name}"] },
    ]
    record_failure = [local._update_item]
    record_terminal = [
      local._update_item,
      # EXPRESS: the item an execution owns, by its name (the log names only the execution).
      { sid = "FindOwnedItem", actions = ["dynamodb:Query"], resources = ["${var.image_metadata_table.arn}/index/${var.image_metadata_table.execution_index_name}"] },
      # Its on-failure destination: an event it could not record, kept for an operator.
      { sid = "DeadLetterQueue", actions = ["sqs:SendMessage"], resources = [local.terminal_queue_arn] },
    ]
    describe_execution = [
      { sid = "DescribeOwnExecutions", actions = ["states:DescribeExecution"], resources = [local.execution_arn_pattern] },
    ]
    # HeadObject (s3:GetObject), the item read and its conditional update, the start.
    reprocess = concat(local._restart_statements, [
      { sid = "StartExecutions", actions = ["states:StartExecution"], resources = [local.state_machine_arn] },
    ])
    # The backfill state machine starts the execution backfill_object names.
    backfill_object = local._restart_statements
  }
  _restart_statements = [
    { sid = "HeadIncoming", actions = ["s3:GetObject"], resources = ["${local.bucket_arn}/${var.prefixes.incoming}*"] },
    { sid = "ReadUpdateImageMetadata", actions = ["dynamodb:GetItem", "dynamodb:UpdateItem"], resources = [var.image_metadata_table.arn] },
  ]

  # The customer managed key, only as S3 or DynamoDB use it on a function's behalf
  # (kms:ViaService) and only for what they name in the encryption context: S3 the object ARN,
  # or the bucket ARN with S3 Bucket Keys (aws:s3:arn); DynamoDB the table name and account
  # (aws:dynamodb:tableName, aws:dynamodb:subscriberId).
  _kms_s3 = {
    sid      = "DataKeyS3"
    service  = "s3.${data.aws_region.current.name}.amazonaws.com"
    test     = "StringLike"
    context  = "kms:EncryptionContext:aws:s3:arn"
    required = {}
  }
  _kms_table = {
    sid      = "DataKeyDynamoDB"
    actions  = ["kms:Decrypt", "kms:GenerateDataKey"]
    service  = "dynamodb.${data.aws_region.current.name}.amazonaws.com"
    test     = "StringEquals"
    context  = "kms:EncryptionContext:aws:dynamodb:tableName"
    values   = [var.image_metadata_table.name]
    required = { "kms:EncryptionContext:aws:dynamodb:subscriberId" = data.aws_caller_identity.current.account_id }
  }
  _incoming_objects = [local.bucket_arn, "${local.bucket_arn}/${var.prefixes.incoming}*"]
  kms_statements = var.encryption.kms_key_arn == null ? {} : {
    extract_metadata   = [merge(local._kms_s3, { actions = ["kms:Decrypt"], values = local._incoming_objects })]
    transform_metadata = []
    detect_labels      = [merge(local._kms_s3, { actions = ["kms:Decrypt"], values = local._incoming_objects })]
    generate_thumbnail = [merge(local._kms_s3, {
      actions = ["kms:Decrypt", "kms:GenerateDataKey"]
      values  = concat(local._incoming_objects, ["${local.bucket_arn}/${var.prefixes.thumbnails}*"])
    })]
    store_metadata = [local._kms_table]
    record_failure = [local._kms_table]
    record_terminal = [local._kms_table, {
      # SQS documents no encryption context to check: the key only through SQS.
      sid      = "DataKeySQS"
      actions  = ["kms:Decrypt", "kms:GenerateDataKey"]
      service  = "sqs.${data.aws_region.current.name}.amazonaws.com"
      test     = null
      context  = null
      values   = []
      required = {}
    }]
    describe_execution = []
    # HeadObject reads no content: the key only through DynamoDB.
    reprocess       = [local._kms_table]
    backfill_object = [local._kms_table]
  }
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.function_names

  name               = "${each.value}-role"
  description        = "Execution role of ${each.value}."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "function" {
  #checkov:skip=CKV_AWS_356:Only actions without resource-level permissions (rekognition:DetectLabels, DetectModerationLabels, xray:Put*) use "*".
  for_each = local.function_names

  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arns[each.key]}:*"]
  }

  dynamic "statement" {
    for_each = local.function_statements[each.key]
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }

  dynamic "statement" {
    for_each = var.tracing_enabled ? [1] : []
    content {
      sid       = "XRay"
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = lookup(local.kms_statements, each.key, [])
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = [var.encryption.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [statement.value.service]
      }

      dynamic "condition" {
        for_each = statement.value.context == null ? [] : [statement.value.context]
        content {
          test     = statement.value.test
          variable = condition.value
          values   = statement.value.values
        }
      }

      dynamic "condition" {
        for_each = statement.value.required
        content {
          test     = "StringEquals"
          variable = condition.key
          values   = [condition.value]
        }
      }
    }
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.function_names

  name   = "least-privilege"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}

# Only this account's state machine of this name may assume its role (confused deputy): the
# image processing state machine's, and the backfill's when there is one.
data "aws_iam_policy_document" "states_assume" {
  for_each = merge({ image = local.state_machine_arn }, local.backfill_count == 1 ? { backfill = local.backfill_arn } : {})

  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [each.value]
    }
  }
}

resource "aws_iam_role" "state_machine" {
  name               = "${var.name_prefix}-state-machine-role"
  description        = "Execution role of the ${var.name_prefix} image pipeline state machine."
  assume_role_policy = data.aws_iam_policy_document.states_assume["image"].json
  tags               = var.tags
}

data "aws_iam_policy_document" "state_machine" {
  #checkov:skip=CKV_AWS_356:CloudWatch Logs delivery, rekognition:DetectLabels, DetectModerationLabels and X-Ray actions have no resource-level permissions.
  #checkov:skip=CKV_AWS_111:The log delivery actions (CreateLogDelivery, PutResourcePolicy...) accept only "*".
  statement {
    sid     = "InvokeOwnSteps"
    actions = ["lambda:InvokeFunction"]
    resources = flatten([
      for k in local.steps : [local.function_arns[k], "${local.function_arns[k]}:*"]
    ])
  }

  # The direct integrations: DetectLabels (no resource ARN; Rekognition reads the object with
  # this role's s3:GetObject) and the one write that needs no code.
  statement {
    sid       = "DetectLabels"
    actions   = ["rekognition:DetectLabels"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.moderation.enabled ? [local._detect_moderation_labels] : []
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }

  statement {
    sid       = local._read_incoming.sid
    actions   = local._read_incoming.actions
    resources = local._read_incoming.resources
  }

  statement {
    sid       = local._update_item.sid
    actions   = local._update_item.actions
    resources = local._update_item.resources
  }

  dynamic "statement" {
    for_each = var.encryption.kms_key_arn == null ? [] : [
      merge(local._kms_s3, { actions = ["kms:Decrypt"], values = local._incoming_objects }),
      local._kms_table,
    ]
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = [var.encryption.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [statement.value.service]
      }

      condition {
        test     = statement.value.test
        variable = statement.value.context
        values   = statement.value.values
      }

      dynamic "condition" {
        for_each = statement.value.required
        content {
          test     = "StringEquals"
          variable = condition.key
          values   = [condition.value]
        }
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

  # EXPRESS workflows also write to the log group directly.
  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:${format(local._arn_base, "logs")}:log-group:${local.state_machine_log_group}:*"]
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

resource "aws_iam_role_policy" "state_machine" {
  name   = "least-privilege"
  role   = aws_iam_role.state_machine.id
  policy = data.aws_iam_policy_document.state_machine.json
}
