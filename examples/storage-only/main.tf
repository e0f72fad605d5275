# One nested module alone: the bucket and the two tables, for an estate that runs its own
# processing and wants this storage layout (TLS-only, versioned, encrypted, PITR).
provider "aws" {
  region = "eu-west-1"
}

module "storage" {
  source = "../../modules/storage" # from elsewhere: "git::https://github.com/<org>/terraform-aws-image-pipeline.git//modules/storage?ref=<tag>"

  name_prefix = "estate-photos"
  bucket      = { cors_allowed_origins = ["https://photos.example.com"] }
  tables      = { deletion_protection = true }
  tags        = { Project = "estate" }
}

output "bucket_name" {
  description = "Name of the photo bucket (<name_prefix>-photos-<account id>-<region>)."
  value       = module.storage.bucket_name
}

output "image_metadata_table" {
  description = "The ImageMetadata table: name, arn and index_name, as the other modules take it."
  value       = module.storage.image_metadata_table
}
