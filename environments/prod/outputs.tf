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

output "dead_letter_queue_url" {
  description = "URL of the trigger's dead-letter queue."
  value       = module.image_pipeline.dead_letter_queue_url
}

output "webapp_config" {
  description = "Runtime configuration of the test web app (webapp/public/config.json), or null without it."
  value       = module.image_pipeline.webapp_config
}

output "kms_key_arn" {
  description = "ARN of the environment's customer managed KMS key."
  value       = module.image_pipeline.kms_key_arn
}
