output "state_machine_arn" {
  description = "ARN of the image processing state machine."
  value       = module.image_pipeline.state_machine_arn
}

output "image_metadata_table_name" {
  description = "Name of the ImageMetadata table."
  value       = module.image_pipeline.image_metadata_table.name
}
