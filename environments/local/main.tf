# Everything on the local emulator: throwaway data, short logs, the test web app.
module "image_pipeline" {
  source = "../.."

  name_prefix = var.name_prefix
  package = {
    directory    = var.package_dir
    runtime      = var.runtime
    architecture = "x86_64"
  }
  bucket = { force_destroy = true }
  tables = { point_in_time_recovery = false }
  logs   = { retention_in_days = 1 }
  # STANDARD, or EXPRESS (billed by duration: the cheaper; make up passes TF_VAR_state_machine_type).
  state_machine = { type = var.state_machine_type }
  # Off by default; TF_VAR_moderation_enabled=true adds the DetectModerationLabels branch.
  moderation = { enabled = var.moderation_enabled }
  test_client = {
    enabled                          = true
    allow_unauthenticated_identities = var.allow_unauthenticated_identities
    pre_sign_up_function_arn         = aws_lambda_function.auto_confirm.arn # sign_up.tf
    endpoint                         = var.aws_endpoint_url
  }
}
