output "region" {
  description = "Region of every resource."
  value       = var.region
}

output "bucket_name" {
  description = "Name of the photo bucket; upload under Incoming/."
  value       = module.storage.bucket_id
}

output "image_metadata_table_name" {
  description = "Name of the ImageMetadata table."
  value       = module.storage.image_metadata_table_name
}

output "album_metadata_table_name" {
  description = "Name of the AlbumMetadata table."
  value       = module.storage.album_metadata_table_name
}

output "state_machine_arn" {
  description = "ARN of the image processing state machine."
  value       = module.pipeline.state_machine_arn
}

output "dead_letter_queue_url" {
  description = "URL of the trigger's dead-letter queue."
  value       = module.trigger.dead_letter_queue_url
}

output "kms_key_arn" {
  description = "ARN of the environment's customer managed KMS key."
  value       = aws_kms_key.this.arn
}
