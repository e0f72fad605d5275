# State lives in S3 for shared environments. Uncomment, then initialise with a partial configuration:
#
#   terraform init -backend-config=backend.hcl
#
# where backend.hcl (not committed) holds, for example:
#
#   bucket       = "my-terraform-state"
#   key          = "image-pipeline/dev/terraform.tfstate"
#   region       = "eu-west-1"
#   encrypt      = true
#   use_lockfile = true
#
# terraform {
#   backend "s3" {}
# }
