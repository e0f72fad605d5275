output "state_machine_arn" {
  description = "ARN of the image processing state machine (built from its name, so known at plan time)."
  value       = local.state_machine_arn
  depends_on  = [aws_sfn_state_machine.this]
}

output "state_machine_name" {
  description = "Name of the image processing state machine."
  value       = aws_sfn_state_machine.this.name
}

output "state_machine_role_arn" {
  description = "ARN of the state machine's execution role."
  value       = aws_iam_role.state_machine.arn
}

output "state_machine_log_group_name" {
  description = "Name of the state machine's log group (under /aws/vendedlogs/states/)."
  value       = aws_cloudwatch_log_group.state_machine.name
}

output "function_arns" {
  description = "ARNs of every function, keyed by step name."
  value       = { for k, f in aws_lambda_function.this : k => f.arn }
}

output "function_names" {
  description = "Names of every function, keyed by step name."
  value       = { for k, f in aws_lambda_function.this : k => f.function_name }
}

output "function_role_arns" {
  description = "ARNs of every function's execution role, keyed by step name."
  value       = { for k, r in aws_iam_role.function : k => r.arn }
}

output "describe_execution_function_name" {
  description = "Name of the describe_execution function the web app invokes."
  value       = aws_lambda_function.this["describe_execution"].function_name
  depends_on  = [aws_iam_role_policy.function]
}

output "describe_execution_function_arn" {
  description = "ARN of the describe_execution function the web app invokes (built from its name, so known at plan time)."
  value       = local.function_arns["describe_execution"]
  depends_on  = [aws_lambda_function.this, aws_iam_role_policy.function]
}

output "layer_arn" {
  description = "ARN (with version) of the dependency layer."
  value       = aws_lambda_layer_version.dependencies.arn
}

output "terminal_dead_letter_queue_url" {
  description = "URL of the queue keeping the execution status events record_terminal could not record (EventBridge's undeliverable events and the function's failures)."
  value       = aws_sqs_queue.terminal_dlq.url
}

output "terminal_rule_arn" {
  description = "ARN of the EventBridge rule taking this state machine's FAILED, TIMED_OUT and ABORTED executions to record_terminal."
  value       = aws_cloudwatch_event_rule.terminal.arn
}

output "backfill_state_machine_arn" {
  description = "ARN of the backfill state machine (input `{\"prefix\": \"Incoming/...\", \"all\": false}`), or null when backfill.enabled is false."
  value       = var.backfill.enabled ? local.backfill_arn : null
  depends_on  = [aws_sfn_state_machine.backfill]
}

output "reprocess_function_name" {
  description = "Name of the reprocess function the web app invokes to retry the caller's own photos (`{\"imageIDs\": [...]}`)."
  value       = aws_lambda_function.this["reprocess"].function_name
  depends_on  = [aws_iam_role_policy.function]
}

output "reprocess_function_arn" {
  description = "ARN of the reprocess function (built from its name, so known at plan time)."
  value       = local.function_arns["reprocess"]
  depends_on  = [aws_lambda_function.this, aws_iam_role_policy.function]
}
