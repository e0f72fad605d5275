output "bucket_id" {
  description = "Name of the photo bucket, or null when bucket.create is false."
  value       = try(aws_s3_bucket.this[0].id, null)
  # Callers chain on the bucket: make sure its policy and encryption are in place first.
  depends_on = [
    aws_s3_bucket_policy.this,
    aws_s3_bucket_public_access_block.this,
    aws_s3_bucket_server_side_encryption_configuration.this,
  ]
}

output "bucket_arn" {
  description = "ARN of the photo bucket, or null when bucket.create is false."
  value       = try(aws_s3_bucket.this[0].arn, null)
}

output "image_metadata_table_name" {
  description = "Name of the ImageMetadata table, or null when tables.create is false."
  value       = try(aws_dynamodb_table.image_metadata[0].name, null)
}

output "image_metadata_table_arn" {
  description = "ARN of the ImageMetadata table, or null when tables.create is false."
  value       = try(aws_dynamodb_table.image_metadata[0].arn, null)
}

output "image_metadata_index_name" {
  description = "Name of the ImageMetadata GSI keyed on albumID and uploadTime."
  value       = "albumID-uploadTime-index"
}

output "album_metadata_table_name" {
  description = "Name of the AlbumMetadata table, or null when tables.create is false."
  value       = try(aws_dynamodb_table.album_metadata[0].name, null)
}

output "album_metadata_table_arn" {
  description = "ARN of the AlbumMetadata table, or null when tables.create is false."
  value       = try(aws_dynamodb_table.album_metadata[0].arn, null)
}

output "album_metadata_index_name" {
  description = "Name of the AlbumMetadata GSI keyed on userID and creationTime."
  value       = "userID-creationTime-index"
}
