output "bucket_name" {
  description = "Name of the photo bucket, created here or brought (bucket.create = false)."
  value       = local.bucket_name
  # Callers chain on the bucket: make sure its policy and encryption are in place first.
  depends_on = [
    aws_s3_bucket_policy.this,
    aws_s3_bucket_public_access_block.this,
    aws_s3_bucket_server_side_encryption_configuration.this,
  ]
}

output "bucket_arn" {
  description = "ARN of the photo bucket, created here or brought."
  value       = local.bucket_arn
  depends_on  = [aws_s3_bucket.this]
}

output "image_metadata_table" {
  description = "The ImageMetadata table (key imageID, index on albumID and uploadTime, keys-only index on executionName, index on userID and contentHash), created here or brought: name, arn, index_name, execution_index_name and hash_index_name, as the other modules take it."
  value = {
    name                 = local.image_metadata_table.name
    arn                  = "${local._table_arn}/${local.image_metadata_table.name}"
    index_name           = local.image_metadata_table.index_name
    execution_index_name = local.image_metadata_table.execution_index_name
    hash_index_name      = local.image_metadata_table.hash_index_name
  }
  depends_on = [aws_dynamodb_table.image_metadata]
}

output "album_metadata_table" {
  description = "The AlbumMetadata table (key albumID, index on userID and creationTime), created here or brought: name, arn and index_name, as the other modules take it."
  value = {
    name       = local.album_metadata_table.name
    arn        = "${local._table_arn}/${local.album_metadata_table.name}"
    index_name = local.album_metadata_table.index_name
  }
  depends_on = [aws_dynamodb_table.album_metadata]
}
