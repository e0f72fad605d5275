# State lives in S3 for shared environments. Uncomment, then initialise with a partial configuration
# from the repository root:
#
#   terraform -chdir=environments/dev init -backend-config=backend.hcl
#
# where environments/dev/backend.hcl (ignored by git, never committed) holds, for example:
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
