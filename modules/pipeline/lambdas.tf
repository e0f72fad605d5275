resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_338:Retention is a per-environment choice (logs.retention_in_days); prod sets a year or more.
  #checkov:skip=CKV_AWS_158:Log groups are encrypted by CloudWatch Logs by default; logs.kms_key_arn switches to a customer managed key.
  for_each = local.function_names

  name              = "/aws/lambda/${each.value}"
  retention_in_days = var.logs.retention_in_days
  kms_key_id        = var.logs.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_layer_version" "dependencies" {
  layer_name               = "${var.name_prefix}-dependencies"
  description              = "Pillow, piexif, Powertools and aws-xray-sdk for ${var.runtime} on ${var.architecture}."
  filename                 = var.package.layer_zip
  source_code_hash         = local.layer_hash
  compatible_runtimes      = [var.runtime]
  compatible_architectures = [var.architecture]
}

resource "aws_lambda_function" "step" {
  #checkov:skip=CKV_AWS_116:Steps are invoked synchronously by Step Functions, which retries and records failures; a DLQ would never receive anything.
  #checkov:skip=CKV_AWS_117:The functions reach only public AWS APIs (S3, DynamoDB, Rekognition); no VPC resources to reach.
  #checkov:skip=CKV_AWS_115:Concurrency is bounded by the state machine's executions; reserving it per function is an account-level choice.
  #checkov:skip=CKV_AWS_173:The environment holds names and limits only, no secrets; the default AWS managed key encrypts it.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile owned by the estate; packages are built reproducibly by tools/package.py.
  #checkov:skip=CKV_AWS_50:X-Ray is optional (tracing_enabled) and costs money; environments turn it on.
  for_each = local.steps

  function_name    = local.function_names[each.key]
  description      = "Image pipeline step ${each.key}."
  role             = aws_iam_role.function[each.key].arn
  handler          = "image_pipeline.handlers.${each.key}.handler"
  runtime          = var.runtime
  architectures    = [var.architecture]
  filename         = var.package.functions_zip
  source_code_hash = local.functions_hash
  layers           = [aws_lambda_layer_version.dependencies.arn]
  memory_size      = local.function_settings[each.key].memory_size
  timeout          = local.function_settings[each.key].timeout

  environment {
    variables = merge(local.powertools_env, { POWERTOOLS_SERVICE_NAME = each.key }, each.value)
  }

  dynamic "tracing_config" {
    for_each = var.tracing_enabled ? [1] : []
    content {
      mode = "Active"
    }
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.function]
}

resource "aws_lambda_function" "describe_execution" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by the web app, which sees the error; a DLQ would never receive anything.
  #checkov:skip=CKV_AWS_117:The function reaches only the public Step Functions API; no VPC resources to reach.
  #checkov:skip=CKV_AWS_115:Concurrency reservation is an account-level choice of the caller.
  #checkov:skip=CKV_AWS_173:The environment holds the state machine ARN only, no secrets; the default AWS managed key encrypts it.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile owned by the estate; packages are built reproducibly by tools/package.py.
  #checkov:skip=CKV_AWS_50:X-Ray is optional (tracing_enabled) and costs money; environments turn it on.
  function_name    = local.function_names["describe_execution"]
  description      = "Status of one execution of the image pipeline state machine, for the web app."
  role             = aws_iam_role.function["describe_execution"].arn
  handler          = "image_pipeline.handlers.describe_execution.handler"
  runtime          = var.runtime
  architectures    = [var.architecture]
  filename         = var.package.functions_zip
  source_code_hash = local.functions_hash
  layers           = [aws_lambda_layer_version.dependencies.arn]
  memory_size      = local.function_settings["describe_execution"].memory_size
  timeout          = local.function_settings["describe_execution"].timeout

  environment {
    variables = merge(local.powertools_env, {
      POWERTOOLS_SERVICE_NAME = "describe_execution"
      STATE_MACHINE_ARN       = aws_sfn_state_machine.this.arn
    })
  }

  dynamic "tracing_config" {
    for_each = var.tracing_enabled ? [1] : []
    content {
      mode = "Active"
    }
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.function]
}
