# The whole pipeline in an estate that already owns its photo bucket: the root module creates the
# tables, the functions and the state machine, and takes the bucket by name.
provider "aws" {
  region = var.region
}

variable "region" {
  description = "AWS region of the estate."
  type        = string
  default     = "eu-west-1"
}

variable "existing_bucket_name" {
  description = "Name of the estate's bucket. Its notification configuration becomes the trigger's."
  type        = string
  default     = "my-estate-photos"
}

variable "package_dir" {
  description = "Directory holding the zips built by `tools/package.py --target aws`."
  type        = string
  default     = "../../build/lambda"
}

module "image_pipeline" {
  source = "../.." # from elsewhere: source = "git::https://github.com/<org>/terraform-aws-image-pipeline.git?ref=<tag>"

  name_prefix = "estate-images"
  package     = { directory = var.package_dir }
  bucket      = { create = false, name = var.existing_bucket_name }
  tags        = { Project = "estate", Component = "image-pipeline" }
}
