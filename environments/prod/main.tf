locals {
  runtime       = "python3.13"
  architecture  = "arm64"
  functions_zip = "${var.package_dir}/functions.zip"
  layer_zip     = "${var.package_dir}/layer-${local.runtime}-${local.architecture}.zip"
  logs = {
    retention_in_days = 365
    kms_key_arn       = aws_kms_key.this.arn
  }
}

module "storage" {
  source = "../../modules/storage"

  name_prefix = var.name_prefix
  bucket = {
    kms_key_arn                        = aws_kms_key.this.arn
    cors_allowed_origins               = var.cors_allowed_origins
    noncurrent_version_expiration_days = 90
  }
  tables = {
    point_in_time_recovery = true
    deletion_protection    = true
    kms_key_arn            = aws_kms_key.this.arn
  }
}

module "pipeline" {
  source = "../../modules/pipeline"

  name_prefix  = var.name_prefix
  runtime      = local.runtime
  architecture = local.architecture
  package = {
    functions_zip  = local.functions_zip
    functions_hash = filebase64sha256(local.functions_zip)
    layer_zip      = local.layer_zip
    layer_hash     = filebase64sha256(local.layer_zip)
  }
  bucket_name = module.storage.bucket_id
  image_metadata_table = {
    name = module.storage.image_metadata_table_name
    arn  = module.storage.image_metadata_table_arn
  }
  kms_key_arn = aws_kms_key.this.arn
  functions = {
    overrides = {
      extract_metadata   = { memory_size = 1024 }
      generate_thumbnail = { memory_size = 1769, timeout = 60 }
    }
  }
  tracing_enabled = true
  logs            = local.logs
}

module "trigger" {
  source = "../../modules/trigger"

  name_prefix  = var.name_prefix
  runtime      = local.runtime
  architecture = local.architecture
  package = {
    functions_zip  = local.functions_zip
    functions_hash = filebase64sha256(local.functions_zip)
    layer_arn      = module.pipeline.layer_arn
  }
  bucket_name = module.storage.bucket_id
  image_metadata_table = {
    name = module.storage.image_metadata_table_name
    arn  = module.storage.image_metadata_table_arn
  }
  state_machine_arn = module.pipeline.state_machine_arn
  kms_key_arn       = aws_kms_key.this.arn
  function = {
    tracing_enabled = true
  }
  logs = local.logs
  dead_letter_queue = {
    kms_key_arn = aws_kms_key.this.arn
  }
}

# No test-client in prod: an identity pool with guest access belongs in dev only.
