# The whole pipeline: storage -> pipeline -> trigger (-> test client). Every piece of wiring
# between the parts lives here, so a composition only sets values.

locals {
  # tools/package.py's naming convention, written once.
  package = {
    functions_zip = "${var.package.directory}/functions.zip"
    layer_zip     = "${var.package.directory}/layer-${var.package.runtime}-${var.package.architecture}.zip"
  }
  # Hashes given by the caller win, so a plan needs no zip on disk (CI plans, mocked tests).
  functions_hash = var.package.functions_hash != null ? var.package.functions_hash : filebase64sha256(local.package.functions_zip)
  layer_hash     = var.package.layer_hash != null ? var.package.layer_hash : filebase64sha256(local.package.layer_zip)

  # start_execution belongs to the trigger; every other override to the pipeline.
  pipeline_functions = merge(var.functions, {
    overrides = { for k, v in var.functions.overrides : k => v if k != "start_execution" }
  })
  start_execution = try(var.functions.overrides["start_execution"], { memory_size = null, timeout = null, reserved_concurrent_executions = null })
}

module "storage" {
  source = "./modules/storage"

  name_prefix = var.name_prefix
  bucket      = var.bucket
  tables      = var.tables
  encryption  = local.encryption
  tags        = var.tags
}

module "pipeline" {
  source = "./modules/pipeline"

  name_prefix  = var.name_prefix
  runtime      = var.package.runtime
  architecture = var.package.architecture
  package = {
    functions_zip  = local.package.functions_zip
    functions_hash = local.functions_hash
    layer_zip      = local.package.layer_zip
    layer_hash     = local.layer_hash
  }
  bucket_name          = module.storage.bucket_name
  prefixes             = var.prefixes
  image_metadata_table = module.storage.image_metadata_table
  encryption           = local.encryption
  functions            = local.pipeline_functions
  image_settings       = var.image_settings
  moderation           = var.moderation
  state_machine        = merge(var.state_machine, { definition_template = "${path.module}/statemachine.json.tftpl" })
  backfill             = var.backfill
  tracing_enabled      = var.tracing_enabled
  logs                 = var.logs
  tags                 = var.tags
}

module "trigger" {
  source = "./modules/trigger"

  name_prefix  = var.name_prefix
  runtime      = var.package.runtime
  architecture = var.package.architecture
  package = {
    functions_zip  = local.package.functions_zip
    functions_hash = local.functions_hash
    layer_arn      = module.pipeline.layer_arn
  }
  bucket_name          = module.storage.bucket_name
  prefixes             = var.prefixes
  image_metadata_table = module.storage.image_metadata_table
  state_machine_arn    = module.pipeline.state_machine_arn
  encryption           = local.encryption
  function = {
    memory_size                    = local.start_execution.memory_size
    timeout                        = local.start_execution.timeout
    log_level                      = var.functions.log_level
    maximum_retry_attempts         = var.dead_letter_queue.maximum_retry_attempts
    maximum_event_age_in_seconds   = var.dead_letter_queue.maximum_event_age_in_seconds
    reserved_concurrent_executions = coalesce(local.start_execution.reserved_concurrent_executions, var.functions.reserved_concurrent_executions)
  }
  dead_letter_queue = { message_retention_seconds = var.dead_letter_queue.message_retention_seconds }
  tracing_enabled   = var.tracing_enabled
  logs              = var.logs
  tags              = var.tags
}

module "test_client" {
  source = "./modules/test-client"
  count  = var.test_client.enabled ? 1 : 0

  name_prefix                      = var.name_prefix
  allow_unauthenticated_identities = var.test_client.allow_unauthenticated_identities
  user_pool                        = { pre_sign_up_function_arn = var.test_client.pre_sign_up_function_arn }
  bucket_name                      = module.storage.bucket_name
  prefixes                         = var.prefixes
  image_metadata_table             = module.storage.image_metadata_table
  album_metadata_table             = module.storage.album_metadata_table
  encryption                       = local.encryption
  endpoint                         = var.test_client.endpoint
  reprocess_function_arn           = module.pipeline.reprocess_function_arn
  tags                             = var.tags
}
