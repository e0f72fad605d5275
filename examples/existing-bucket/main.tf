# Embedding the modules in an estate that already has its photo bucket: the storage module creates
# the tables only, and every other module is pointed at the estate's bucket by name.

provider "aws" {
  region = var.region
}

variable "region" {
  description = "AWS region of the estate."
  type        = string
  default     = "eu-west-1"
}

variable "existing_bucket_name" {
  description = "Name of the estate's bucket. Its notification configuration becomes the trigger module's."
  type        = string
  default     = "my-estate-photos"
}

variable "package_dir" {
  description = "Directory holding the zips built by `tools/package.py --target aws`."
  type        = string
  default     = "../../build/lambda"
}

locals {
  name_prefix   = "estate-images"
  functions_zip = "${var.package_dir}/functions.zip"
  layer_zip     = "${var.package_dir}/layer-python3.13-arm64.zip"
  tags          = { Project = "estate", Component = "image-pipeline" }
}

data "aws_s3_bucket" "existing" {
  bucket = var.existing_bucket_name
}

module "storage" {
  source = "../../modules/storage"

  name_prefix = local.name_prefix
  bucket      = { create = false }
  tags        = local.tags
}

module "pipeline" {
  source = "../../modules/pipeline"

  name_prefix = local.name_prefix
  package = {
    functions_zip = local.functions_zip
    layer_zip     = local.layer_zip
  }
  bucket_name = data.aws_s3_bucket.existing.id
  image_metadata_table = {
    name = module.storage.image_metadata_table_name
    arn  = module.storage.image_metadata_table_arn
  }
  # The template ships with the modules; estates that vendor them elsewhere point at their copy.
  state_machine = {
    definition_template = "${path.module}/../../statemachine.json.tftpl"
  }
  tags = local.tags
}

module "trigger" {
  source = "../../modules/trigger"

  name_prefix = local.name_prefix
  package = {
    functions_zip = local.functions_zip
    layer_arn     = module.pipeline.layer_arn
  }
  bucket_name = data.aws_s3_bucket.existing.id
  image_metadata_table = {
    name = module.storage.image_metadata_table_name
    arn  = module.storage.image_metadata_table_arn
  }
  state_machine_arn = module.pipeline.state_machine_arn
  tags              = local.tags
}

output "state_machine_arn" {
  description = "ARN of the image processing state machine."
  value       = module.pipeline.state_machine_arn
}

output "image_metadata_table_name" {
  description = "Name of the ImageMetadata table."
  value       = module.storage.image_metadata_table_name
}
