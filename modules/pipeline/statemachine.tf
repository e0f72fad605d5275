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
  # The direct service integrations name errors <Service>.<Exception>.
  sdk_retry = { for service in ["Rekognition", "DynamoDB"] : service => [
    {
      ErrorEquals     = [for e in local.throttling_errors : "${service}.${e}" if !startswith(e, "Lambda.")]
      IntervalSeconds = 2
      MaxAttempts     = 6
      BackoffRate     = 2
      MaxDelaySeconds = 30
      JitterStrategy  = "FULL"
    },
    {
      ErrorEquals     = concat([for e in local.transient_errors : "${service}.${e}" if !startswith(e, "Lambda.")], ["${service}.InternalServerErrorException", "${service}.SdkClientException"])
      IntervalSeconds = 1
      MaxAttempts     = 3
      BackoffRate     = 2
    },
  ] }
  # What Rekognition refuses to read (over 15 MB, not JPEG or PNG, CMYK...): the detect_labels
  # function then sends it a reduced rendition.
  rekognition_refusals = ["Rekognition.ImageTooLargeException", "Rekognition.InvalidImageFormatException"]
  # What Rekognition reads itself; every other accepted format goes straight to a rendition.
  rekognition_formats = ["JPEG", "PNG"]
  # ImageTypeCheck: one choice per accepted format (extract_metadata's name for it).
  image_type_choices = [for f in var.image_settings.formats : {
    Variable     = "$.extractedMetadata.format"
    StringEquals = f
    Next         = "TransformMetadata"
  }]
  # LabelSource (and ModerationSource): a format Rekognition cannot read goes straight to the
  # rendition (the rule only when such a format is accepted), then the version Rekognition
  # reads; JPEG and PNG pass one Choice either way.
  source_choices = { for branch, step in { labels = "DetectLabels", moderation = "DetectModerationLabels" } : branch => concat(
    length(setsubtract(var.image_settings.formats, local.rekognition_formats)) == 0 ? [] : [{
      Not = { Or = [for f in local.rekognition_formats : {
        Variable     = "$.extractedMetadata.imageFormat"
        StringEquals = f
      }] }
      Next = "${step}OfRendition"
    }],
    [{ Variable = "$.s3VersionId", IsString = true, Next = step }],
  ) }
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

locals {
  definition = templatefile(var.state_machine.definition_template, {
    extract_metadata_arn   = local.function_arns["extract_metadata"]
    transform_metadata_arn = local.function_arns["transform_metadata"]
    detect_labels_arn      = local.function_arns["detect_labels"]
    generate_thumbnail_arn = local.function_arns["generate_thumbnail"]
    store_metadata_arn     = local.function_arns["store_metadata"]
    record_failure_arn     = local.function_arns["record_failure"]
    retry_transient_errors = jsonencode(local.retry)
    retry_rekognition      = jsonencode(local.sdk_retry["Rekognition"])
    retry_dynamodb         = jsonencode(local.sdk_retry["DynamoDB"])
    rekognition_refusals   = jsonencode(local.rekognition_refusals)
    image_type_choices     = jsonencode(local.image_type_choices)
    label_source_choices   = jsonencode(local.source_choices.labels)
    max_labels             = var.image_settings.max_labels
    min_confidence         = var.image_settings.min_confidence
    image_metadata_table   = var.image_metadata_table.name
    timeout_seconds        = local.state_machine_timeout
  })
  # moderation.enabled: a third branch in ParallelProcessing, whose answer StoreImageMetadata
  # takes as moderationLabels (parallelResults[2]).
  _definition = jsondecode(local.definition)
  _moderation_branch = jsondecode(templatefile("${path.module}/moderation.asl.json.tftpl", {
    source_choices         = jsonencode(local.source_choices.moderation)
    min_confidence         = var.moderation.min_confidence
    retry_rekognition      = jsonencode(local.sdk_retry["Rekognition"])
    rekognition_refusals   = jsonencode(local.rekognition_refusals)
    detect_labels_arn      = local.function_arns["detect_labels"]
    retry_transient_errors = jsonencode(local.retry)
  }))
  definition_with_moderation = !var.moderation.enabled ? null : merge(local._definition, {
    States = merge(local._definition.States, {
      ParallelProcessing = merge(local._definition.States.ParallelProcessing, {
        Branches = concat(local._definition.States.ParallelProcessing.Branches, [local._moderation_branch])
      })
      StoreImageMetadata = merge(local._definition.States.StoreImageMetadata, {
        Parameters = merge(local._definition.States.StoreImageMetadata.Parameters, { "moderationLabels.$" = "$.parallelResults[2]" })
      })
    })
  })
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

  definition = var.moderation.enabled ? jsonencode(local.definition_with_moderation) : local.definition

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    include_execution_data = var.state_machine.include_execution_data
    level                  = var.state_machine.log_level
  }

  tracing_configuration {
    enabled = var.tracing_enabled
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = !var.moderation.enabled || can(local._definition.States.ParallelProcessing.Branches) && can(local._definition.States.StoreImageMetadata.Parameters)
      error_message = "moderation.enabled needs a definition with a ParallelProcessing Parallel state and a StoreImageMetadata task (as statemachine.json.tftpl)."
    }
  }

  # The definition names the functions by ARN: create them (and the role's policy) first.
  depends_on = [aws_iam_role_policy.state_machine, aws_lambda_function.this]
}
