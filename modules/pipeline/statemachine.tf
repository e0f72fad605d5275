locals {
  state_machine_name      = "${var.name_prefix}-image-processing"
  state_machine_log_group = "/aws/vendedlogs/states/${local.state_machine_name}"
  # Nothing runs forever: STANDARD 15 minutes, EXPRESS its 5 minute ceiling, unless set.
  state_machine_timeout = coalesce(var.state_machine.timeout_seconds, var.state_machine.type == "EXPRESS" ? 300 : 900)
  # Failures worth another try: Lambda's own, and AWS throttling or outages raised inside a
  # function (the exception's class is the error name). Never the named image errors.
  # Throttling (a step at its reserved concurrency, a throttled AWS API) waits longer, with
  # jitter, so a burst of uploads queues up instead of failing.
  throttling_errors = [
    "Lambda.TooManyRequestsException",
    "ThrottlingException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
  ]
  transient_errors = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "InternalServerError",
    "ServiceUnavailable",
    "EndpointConnectionError",
    "ConnectTimeoutError",
    "ReadTimeoutError",
  ]
  retry = [
    {
      ErrorEquals     = local.throttling_errors
      IntervalSeconds = 2
      MaxAttempts     = 6
      BackoffRate     = 2
      MaxDelaySeconds = 30
      JitterStrategy  = "FULL"
    },
    {
      ErrorEquals     = local.transient_errors
      IntervalSeconds = 1
      MaxAttempts     = 3
      BackoffRate     = 2
    },
  ]
}

resource "aws_cloudwatch_log_group" "state_machine" {
  #checkov:skip=CKV_AWS_338:Retention is a per-environment choice (logs.retention_in_days); prod sets a year or more.
  #checkov:skip=CKV_AWS_158:Log groups are encrypted by CloudWatch Logs by default; encryption.kms_key_arn switches to a customer managed key.
  # Under /aws/vendedlogs/ so the CloudWatch Logs resource policy does not grow with every log group.
  name              = local.state_machine_log_group
  retention_in_days = var.logs.retention_in_days
  kms_key_id        = local.logs_kms_key_arn
  tags              = var.tags
}

resource "aws_sfn_state_machine" "this" {
  #checkov:skip=CKV_AWS_285:Execution history logging is always on (logging_configuration below); checkov cannot resolve the level from the state_machine object (default ALL).
  #checkov:skip=CKV_AWS_284:X-Ray is optional (tracing_enabled) and costs money; environments turn it on.
  name     = local.state_machine_name
  type     = var.state_machine.type
  role_arn = aws_iam_role.state_machine.arn

  definition = templatefile(var.state_machine.definition_template, {
    extract_metadata_arn   = local.function_arns["extract_metadata"]
    transform_metadata_arn = local.function_arns["transform_metadata"]
    detect_labels_arn      = local.function_arns["detect_labels"]
    generate_thumbnail_arn = local.function_arns["generate_thumbnail"]
    store_metadata_arn     = local.function_arns["store_metadata"]
    record_failure_arn     = local.function_arns["record_failure"]
    retry_transient_errors = jsonencode(local.retry)
    timeout_seconds        = local.state_machine_timeout
  })

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    include_execution_data = var.state_machine.include_execution_data
    level                  = var.state_machine.log_level
  }

  tracing_configuration {
    enabled = var.tracing_enabled
  }

  tags = var.tags

  # The definition names the functions by ARN: create them (and the role's policy) first.
  depends_on = [aws_iam_role_policy.state_machine, aws_lambda_function.this]
}
