output "aws_endpoint_url" {
  description = "Endpoint of the local AWS emulator."
  value       = var.aws_endpoint_url
}

output "region" {
  description = "Region of every resource."
  value       = var.region
}

output "bucket_name" {
  description = "Name of the photo bucket; upload under Incoming/."
  value       = module.image_pipeline.bucket_name
}

output "image_metadata_table_name" {
  description = "Name of the ImageMetadata table."
  value       = module.image_pipeline.image_metadata_table.name
}

output "album_metadata_table_name" {
  description = "Name of the AlbumMetadata table."
  value       = module.image_pipeline.album_metadata_table.name
}

output "state_machine_arn" {
  description = "ARN of the image processing state machine."
  value       = module.image_pipeline.state_machine_arn
}

output "backfill_state_machine_arn" {
  description = "ARN of the backfill state machine: start it with {\"prefix\": \"Incoming/...\"} (and \"all\": true to run objects that have an item too)."
  value       = module.image_pipeline.backfill_state_machine_arn
}

output "function_names" {
  description = "Names of every function, keyed by function (start_execution included)."
  value       = module.image_pipeline.function_names
}

output "dead_letter_queue_url" {
  description = "URL of the trigger's dead-letter queue."
  value       = module.image_pipeline.dead_letter_queue_url
}

output "user_pool_id" {
  description = "ID of the Cognito user pool users sign up and sign in with."
  value       = module.image_pipeline.user_pool_id
}

output "user_pool_client_id" {
  description = "ID of the web app's user pool client (USER_PASSWORD_AUTH, no secret)."
  value       = module.image_pipeline.user_pool_client_id
}

output "identity_pool_id" {
  description = "ID of the Cognito identity pool whose credentials the web app uses."
  value       = module.image_pipeline.identity_pool_id
}

output "webapp_config" {
  description = "Runtime configuration of the test web app (webapp/public/config.json)."
  value       = module.image_pipeline.webapp_config
}
