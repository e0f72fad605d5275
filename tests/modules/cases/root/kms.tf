module "image_pipeline" {
  source = "../.."

  name_prefix = "photos-dev"
  package     = { directory = "build/lambda" }
  encryption  = { create_kms_key = true }
  test_client = { enabled = false }
}
