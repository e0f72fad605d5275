locals {
  runtime       = "python3.13"
  architecture  = "arm64"
  functions_zip = "${var.package_dir}/functions.zip"
  layer_zip     = "${var.package_dir}/layer-${local.runtime}-${local.architecture}.zip"
}

module "storage" {
  source = "../../modules/storage"

  name_prefix = var.name_prefix
  bucket = {
    cors_allowed_origins               = var.cors_allowed_origins
    noncurrent_version_expiration_days = 7
    force_destroy                      = true
  }
  tables = {
    point_in_time_recovery = true
    deletion_protection    = false
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
  functions = {
    log_level = "DEBUG"
    overrides = {
      generate_thumbnail = { memory_size = 1024 }
    }
  }
  tracing_enabled = true
  logs = {
    retention_in_days = 14
  }
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
  function = {
    tracing_enabled = true
  }
  logs = {
    retention_in_days = 14
  }
}

module "test_client" {
  source = "../../modules/test-client"

  name_prefix = var.name_prefix
  bucket_name = module.storage.bucket_id
  tables = {
    image_metadata = {
      name = module.storage.image_metadata_table_name
      arn  = module.storage.image_metadata_table_arn
    }
    album_metadata = {
      name = module.storage.album_metadata_table_name
      arn  = module.storage.album_metadata_table_arn
    }
  }
  describe_execution_function = {
    name = module.pipeline.describe_execution_function_name
    arn  = module.pipeline.describe_execution_function_arn
  }
}
