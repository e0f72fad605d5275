# dev on AWS: throwaway data, verbose logs and traces, the test web app.
module "image_pipeline" {
  source = "../.."

  name_prefix = var.name_prefix
  package     = { directory = var.package_dir }
  encryption  = { create_kms_key = false }
  bucket = {
    cors_allowed_origins               = var.cors_allowed_origins
    noncurrent_version_expiration_days = 7
    force_destroy                      = true
  }
  tables = {
    point_in_time_recovery = true
    deletion_protection    = false
  }
  functions = {
    log_level = "DEBUG"
    overrides = {
      generate_thumbnail = { memory_size = 1024 }
    }
  }
  state_machine   = { include_execution_data = true }
  tracing_enabled = true
  logs            = { retention_in_days = 14 }
  test_client     = { enabled = true }
}
