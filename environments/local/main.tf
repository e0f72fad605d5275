locals {
  architecture  = "x86_64"
  functions_zip = "${var.package_dir}/functions.zip"
  layer_zip     = "${var.package_dir}/layer-${var.runtime}-${local.architecture}.zip"
}

module "storage" {
  source = "../../modules/storage"

  name_prefix = var.name_prefix
  bucket = {
    force_destroy = true
  }
  tables = {
    point_in_time_recovery = false
    deletion_protection    = false
  }
}

module "pipeline" {
  source = "../../modules/pipeline"

  name_prefix  = var.name_prefix
  runtime      = var.runtime
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
  logs = {
    retention_in_days = 1
  }
}

module "trigger" {
  source = "../../modules/trigger"

  name_prefix  = var.name_prefix
  runtime      = var.runtime
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
  logs = {
    retention_in_days = 1
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
  endpoint = var.aws_endpoint_url
}
