output "function_name" {
  description = "Name of the start_execution function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the start_execution function."
  value       = aws_lambda_function.this.arn
  depends_on  = [aws_s3_bucket_notification.this]
}

output "role_arn" {
  description = "ARN of the start_execution function's execution role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "Name of the start_execution function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "dead_letter_queue_arn" {
  description = "ARN of the SQS queue receiving S3 events the function failed on."
  value       = aws_sqs_queue.dlq.arn
}

output "dead_letter_queue_url" {
  description = "URL of the SQS queue receiving S3 events the function failed on."
  value       = aws_sqs_queue.dlq.url
}
