module "storage" {
  source = "../../modules/storage"

  name_prefix = "photos-dev"
  bucket      = { create = false, name = "estate-photos" }
  tables = {
    point_in_time_recovery = false
  }
  encryption = {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  }
}

output "bucket_name" {
  value = module.storage.bucket_name
}
