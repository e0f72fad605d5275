# The storage module with a customer managed KMS key (as environments/prod uses it),
# applied on the emulator by tests/e2e/test_storage_kms.py.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.100.0, < 6.0.0" }
  }
}
variable "endpoint" {
  type        = string
  description = "The emulator's endpoint."
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  max_retries                 = 5
  endpoints {
    s3       = var.endpoint
    dynamodb = var.endpoint
    kms      = var.endpoint
    sts      = var.endpoint
    iam      = var.endpoint
  }
}
resource "aws_kms_key" "this" {
  description         = "kms test"
  enable_key_rotation = true
}
module "storage" {
  source      = "../../../modules/storage"
  name_prefix = "kmstest"
  bucket      = { force_destroy = true, name = "kmstest-photos" }
  tables      = { deletion_protection = false, point_in_time_recovery = true }
  encryption  = { kms_key_arn = aws_kms_key.this.arn }
}
