resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_338:Retention is a per-environment choice (logs.retention_in_days); prod sets a year or more.
  #checkov:skip=CKV_AWS_158:Log groups are encrypted by CloudWatch Logs by default; encryption.kms_key_arn switches to a customer managed key.
  for_each = local.function_names

  name              = "/aws/lambda/${each.value}"
  retention_in_days = var.logs.retention_in_days
  kms_key_id        = local.logs_kms_key_arn
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

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously (by Step Functions, which retries and records failures, or by the web app, which sees the error), or, record_terminal, asynchronously by EventBridge with an on-failure destination (aws_lambda_function_event_invoke_config.record_terminal).
  #checkov:skip=CKV_AWS_117:The functions reach only public AWS APIs (S3, DynamoDB, Rekognition, Step Functions); no VPC resources to reach.
  #checkov:skip=CKV_AWS_115:Concurrency is reserved per function (functions.reserved_concurrent_executions, 10 by default, overridable per step); checkov cannot resolve the value, and -1 opts a function out.
  #checkov:skip=CKV_AWS_173:The environment holds names and limits only, no secrets; the default AWS managed key encrypts it.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile owned by the estate; packages are built reproducibly by tools/package.py.
  #checkov:skip=CKV_AWS_50:X-Ray is optional (tracing_enabled) and costs money; environments turn it on.
  for_each = local.functions

  function_name    = local.function_names[each.key]
  description      = "Image pipeline: ${each.key}."
  role             = aws_iam_role.function[each.key].arn
  handler          = "image_pipeline.handlers.${each.key}.handler"
  runtime          = var.runtime
  architectures    = [var.architecture]
  filename         = var.package.functions_zip
  source_code_hash = local.functions_hash
  layers           = [aws_lambda_layer_version.dependencies.arn]
  memory_size      = local.memory_sizes[each.key]
  timeout          = local.function_settings[each.key].timeout

  # A flood of uploads cannot take the account's whole Lambda concurrency; throttled steps are
  # retried by the state machine (Lambda.TooManyRequestsException, with backoff and jitter).
  reserved_concurrent_executions = local.function_settings[each.key].reserved_concurrent_executions

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
