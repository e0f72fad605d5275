# prod on AWS: kept data under a customer managed key, a year of logs, no execution data in them.
module "image_pipeline" {
  source = "../.."

  name_prefix = var.name_prefix
  package     = { directory = var.package_dir }
  # One customer managed key, created by the root module, for the data and the log groups.
  encryption = { create_kms_key = true }
  bucket = {
    cors_allowed_origins               = var.cors_allowed_origins
    noncurrent_version_expiration_days = 90
    force_destroy                      = false
  }
  tables = {
    point_in_time_recovery = true
    deletion_protection    = true
  }
  functions = {
    log_level = "INFO"
    overrides = {
      extract_metadata   = { memory_size = 1024 }
      generate_thumbnail = { memory_size = 1769, timeout = 60 }
    }
  }
  state_machine   = { include_execution_data = false }
  tracing_enabled = true
  logs            = { retention_in_days = 365 }
  test_client     = { enabled = false }
}
