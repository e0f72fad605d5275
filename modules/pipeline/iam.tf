locals {
  _read_incoming = {
    sid       = "ReadIncoming"
    actions   = ["s3:GetObject"]
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
    detect_labels = [
      local._read_incoming,
      # DetectLabels takes no resource ARN; Rekognition reads the object with this role's s3:GetObject.
      { sid = "DetectLabels", actions = ["rekognition:DetectLabels"], resources = ["*"] },
    ]
    generate_thumbnail = [
      local._read_incoming,
      { sid = "WriteThumbnails", actions = ["s3:PutObject"], resources = ["${local.bucket_arn}/${var.prefixes.thumbnails}*"] },
    ]
    store_metadata = [local._update_item]
    record_failure = [local._update_item]
    describe_execution = [
      { sid = "DescribeOwnExecutions", actions = ["states:DescribeExecution"], resources = [local.execution_arn_pattern] },
    ]
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
  #checkov:skip=CKV_AWS_356:Only actions without resource-level permissions (rekognition:DetectLabels, xray:Put*) use "*".
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
    for_each = var.encryption.kms_key_arn != null && length(local.function_statements[each.key]) > 0 && each.key != "describe_execution" ? [1] : []
    content {
      sid       = "DataKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [var.encryption.kms_key_arn]
    }
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.function_names

  name   = "least-privilege"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}

data "aws_iam_policy_document" "states_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "state_machine" {
  name               = "${var.name_prefix}-state-machine-role"
  description        = "Execution role of the ${var.name_prefix} image pipeline state machine."
  assume_role_policy = data.aws_iam_policy_document.states_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "state_machine" {
  #checkov:skip=CKV_AWS_356:CloudWatch Logs delivery actions and X-Ray actions have no resource-level permissions.
  #checkov:skip=CKV_AWS_111:The log delivery actions (CreateLogDelivery, PutResourcePolicy...) accept only "*".
  statement {
    sid     = "InvokeOwnSteps"
    actions = ["lambda:InvokeFunction"]
    resources = flatten([
      for k in local.steps : [local.function_arns[k], "${local.function_arns[k]}:*"]
    ])
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
