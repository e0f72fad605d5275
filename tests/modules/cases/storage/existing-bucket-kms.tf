module "storage" {
  source = "../../modules/storage"

  name_prefix = "photos-dev"
  bucket      = { create = false }
  tables = {
    kms_key_arn            = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    point_in_time_recovery = false
  }
}

output "bucket_id" {
  value = module.storage.bucket_id
}
