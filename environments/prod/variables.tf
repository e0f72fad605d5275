variable "region" {
  description = "AWS region of the environment."
  type        = string
  default     = "eu-west-1"
  nullable    = false
}

variable "name_prefix" {
  description = "Prefix of every resource name."
  type        = string
  default     = "image-pipeline-prod"
  nullable    = false
}

variable "tags" {
  description = "Tags applied to every resource through the provider's default_tags."
  type        = map(string)
  default = {
    Project     = "image-pipeline"
    Environment = "prod"
  }
  nullable = false
}

variable "package_dir" {
  description = "Directory holding the zips built by `tools/package.py --target aws --runtime python3.13 --arch arm64`."
  type        = string
  default     = "../../build/lambda"
  nullable    = false
}

variable "cors_allowed_origins" {
  description = "Origins allowed to upload to the bucket from a browser."
  type        = list(string)
  default     = ["https://photos.example.com"]
  nullable    = false
}
