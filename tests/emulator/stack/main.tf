# A throwaway stack that exercises the emulator: functions, a layer, an S3 trigger with a
# prefix filter, a DynamoDB table and a state machine with Choice, Parallel, Retry and Catch.
terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 6.0.0"
    }
  }
}

variable "endpoint_url" {
  type        = string
  description = "The emulator's endpoint."
}

variable "package_path" {
  type        = string
  description = "Zip of tests/emulator/functions."
}

variable "layer_path" {
  type        = string
  description = "Zip of a layer holding python/layered_lib.py."
}

variable "name" {
  type        = string
  description = "Prefix of every resource name."
  default     = "emu"
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
  max_retries                 = 5
  endpoints {
    dynamodb = var.endpoint_url
    iam      = var.endpoint_url
    lambda   = var.endpoint_url
    s3       = var.endpoint_url
    sfn      = var.endpoint_url
    sqs      = var.endpoint_url
    sts      = var.endpoint_url
  }
}

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda" {
  name               = "${var.name}-lambda"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

resource "aws_dynamodb_table" "uploads" {
  name         = "${var.name}-uploads"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_lambda_layer_version" "lib" {
  layer_name          = "${var.name}-lib"
  filename            = var.layer_path
  source_code_hash    = filebase64sha256(var.layer_path)
  compatible_runtimes = ["python3.11"]
}

locals {
  functions = {
    echo          = { timeout = 5, env = { GREETING = "hello from the emulator" } }
    can_import    = { timeout = 10, env = {} }
    fail          = { timeout = 5, env = {} }
    sleep         = { timeout = 2, env = {} }
    record_upload = { timeout = 10, env = { TABLE_NAME = aws_dynamodb_table.uploads.name } }
    classify      = { timeout = 5, env = {} }
    double        = { timeout = 5, env = {} }
    flaky         = { timeout = 10, env = { TABLE_NAME = aws_dynamodb_table.uploads.name } }
  }
}

resource "aws_lambda_function" "this" {
  for_each         = local.functions
  function_name    = "${var.name}-${each.key}"
  role             = aws_iam_role.lambda.arn
  runtime          = "python3.11"
  handler          = "handlers.${each.key}"
  filename         = var.package_path
  source_code_hash = filebase64sha256(var.package_path)
  timeout          = each.value.timeout
  layers           = [aws_lambda_layer_version.lib.arn]
  dynamic "environment" {
    for_each = length(each.value.env) > 0 ? [each.value.env] : []
    content {
      variables = environment.value
    }
  }
}

resource "aws_s3_bucket" "uploads" {
  bucket        = "${var.name}-uploads"
  force_destroy = true
}

locals {
  # S3 prefix => function it triggers
  triggers = { "Incoming/" = "record_upload", "Broken/" = "fail" }
}

resource "aws_lambda_permission" "s3" {
  for_each      = local.triggers
  statement_id  = "AllowS3"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[each.value].function_name
  principal     = "s3.amazonaws.com"
  source_arn    = aws_s3_bucket.uploads.arn
}

resource "aws_s3_bucket_notification" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  dynamic "lambda_function" {
    for_each = local.triggers
    content {
      lambda_function_arn = aws_lambda_function.this[lambda_function.value].arn
      events              = ["s3:ObjectCreated:*"]
      filter_prefix       = lambda_function.key
    }
  }
  depends_on = [aws_lambda_permission.s3]
}

resource "aws_sqs_queue" "failed_events" {
  name = "${var.name}-failed-events"
}

resource "aws_lambda_function_event_invoke_config" "fail" {
  function_name          = aws_lambda_function.this["fail"].function_name
  maximum_retry_attempts = 1
  destination_config {
    on_failure {
      destination = aws_sqs_queue.failed_events.arn
    }
  }
}

data "aws_iam_policy_document" "sfn_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "sfn" {
  name               = "${var.name}-sfn"
  assume_role_policy = data.aws_iam_policy_document.sfn_trust.json
}

resource "aws_sfn_state_machine" "flow" {
  name     = "${var.name}-flow"
  role_arn = aws_iam_role.sfn.arn
  definition = templatefile("${path.module}/flow.asl.json.tftpl", {
    classify = aws_lambda_function.this["classify"].arn
    double   = aws_lambda_function.this["double"].arn
    flaky    = aws_lambda_function.this["flaky"].arn
    echo     = aws_lambda_function.this["echo"].arn
    fail     = aws_lambda_function.this["fail"].arn
  })
}

output "function_names" {
  description = "Function names by handler."
  value       = { for k, f in aws_lambda_function.this : k => f.function_name }
}

output "bucket" {
  description = "The upload bucket."
  value       = aws_s3_bucket.uploads.id
}

output "failed_events_queue_url" {
  description = "Where asynchronous invocations that kept failing end up."
  value       = aws_sqs_queue.failed_events.url
}

output "table" {
  description = "The uploads table."
  value       = aws_dynamodb_table.uploads.name
}

output "state_machine_arn" {
  description = "The test state machine."
  value       = aws_sfn_state_machine.flow.arn
}
