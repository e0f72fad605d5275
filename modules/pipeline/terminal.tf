# The backstop outside the state machine: an execution that ends FAILED, TIMED_OUT or ABORTED
# without recording its outcome (stopped, timed out, failed outside a Catch) still leaves its
# item FAILED. Step Functions puts an "Execution Status Change" event on the default bus for
# every STANDARD execution; this rule takes this state machine's bad endings to record_terminal,
# which writes only while the item names that execution and is not terminal. EXPRESS executions
# put no such event: their bad endings reach record_terminal from the state machine's log group.
locals {
  terminal_rule_name  = "${local.state_machine_name}-terminal"
  terminal_queue_name = "${local.function_names["record_terminal"]}-dlq"
  terminal_rule_arn   = "arn:${format(local._arn_base, "events")}:rule/${local.terminal_rule_name}"
}

# What could not be recorded: EventBridge's undeliverable events and record_terminal's failures.
resource "aws_sqs_queue" "terminal_dlq" {
  name                              = local.terminal_queue_name
  message_retention_seconds         = 1209600
  sqs_managed_sse_enabled           = var.encryption.kms_key_arn == null ? true : null
  kms_master_key_id                 = var.encryption.kms_key_arn
  kms_data_key_reuse_period_seconds = var.encryption.kms_key_arn == null ? null : 300
  tags                              = var.tags
}

data "aws_iam_policy_document" "terminal_dlq" {
  statement {
    sid       = "EventBridgeDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [local.terminal_queue_arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.terminal_rule_arn]
    }
  }
}

resource "aws_sqs_queue_policy" "terminal_dlq" {
  queue_url = aws_sqs_queue.terminal_dlq.id
  policy    = data.aws_iam_policy_document.terminal_dlq.json
}

resource "aws_cloudwatch_event_rule" "terminal" {
  name        = local.terminal_rule_name
  description = "Executions of ${local.state_machine_name} that ended FAILED, TIMED_OUT or ABORTED."
  event_pattern = jsonencode({
    source        = ["aws.states"]
    "detail-type" = ["Step Functions Execution Status Change"]
    detail = {
      status          = ["FAILED", "TIMED_OUT", "ABORTED"]
      stateMachineArn = [local.state_machine_arn]
    }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "terminal" {
  rule      = aws_cloudwatch_event_rule.terminal.name
  target_id = "record-terminal"
  arn       = aws_lambda_function.this["record_terminal"].arn

  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }

  dead_letter_config {
    arn = local.terminal_queue_arn
  }

  depends_on = [aws_lambda_permission.terminal, aws_sqs_queue.terminal_dlq, aws_sqs_queue_policy.terminal_dlq]
}

resource "aws_lambda_permission" "terminal" {
  statement_id   = "AllowEventBridgeInvoke"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this["record_terminal"].function_name
  principal      = "events.amazonaws.com"
  source_arn     = local.terminal_rule_arn # aws_cloudwatch_event_rule.terminal.arn, known at plan time
  source_account = data.aws_caller_identity.current.account_id
}

# A function error (DynamoDB unavailable...) is retried by Lambda, then kept in the queue.
resource "aws_lambda_function_event_invoke_config" "record_terminal" {
  function_name          = aws_lambda_function.this["record_terminal"].function_name
  maximum_retry_attempts = 2

  destination_config {
    on_failure {
      destination = local.terminal_queue_arn
    }
  }

  # The role's policy must allow sqs:SendMessage before Lambda accepts the destination.
  depends_on = [aws_sqs_queue.terminal_dlq, aws_iam_role_policy.function]
}

# EXPRESS: the log group records every execution's bad ending (at every log level); a
# subscription filter hands those to record_terminal, which finds the item by executionName.
resource "aws_lambda_permission" "terminal_logs" {
  count = var.state_machine.type == "EXPRESS" ? 1 : 0

  statement_id   = "AllowLogsInvoke"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this["record_terminal"].function_name
  principal      = "logs.amazonaws.com"
  source_arn     = "${aws_cloudwatch_log_group.state_machine.arn}:*"
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_cloudwatch_log_subscription_filter" "terminal" {
  count = var.state_machine.type == "EXPRESS" ? 1 : 0

  name            = local.terminal_rule_name
  log_group_name  = aws_cloudwatch_log_group.state_machine.name
  filter_pattern  = "{ $.type = \"ExecutionFailed\" || $.type = \"ExecutionTimedOut\" || $.type = \"ExecutionAborted\" }"
  destination_arn = aws_lambda_function.this["record_terminal"].arn

  depends_on = [aws_lambda_permission.terminal_logs]
}
