variable "name_prefix" {
  description = "Prefix for every name: the bucket `<name_prefix>-photos` (unless bucket.name is given) and the tables `<name_prefix>-ImageMetadata` and `<name_prefix>-AlbumMetadata`."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-40 characters of lower-case letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "bucket" {
  description = "The photo bucket. `create = false` skips it (use the estate's own bucket). `name` defaults to `<name_prefix>-photos`. `kms_key_arn` switches SSE from AES256 to aws:kms."
  type = object({
    create                             = optional(bool, true)
    name                               = optional(string)
    force_destroy                      = optional(bool, false)
    kms_key_arn                        = optional(string)
    cors_allowed_origins               = optional(list(string), ["*"])
    noncurrent_version_expiration_days = optional(number, 30)
    abort_incomplete_upload_days       = optional(number, 7)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.bucket.name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(var.bucket.name, "x")))
    error_message = "bucket.name must be a valid S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens."
  }

  validation {
    condition     = var.bucket.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", coalesce(var.bucket.kms_key_arn, "x")))
    error_message = "bucket.kms_key_arn must be a KMS key ARN."
  }

  validation {
    condition     = var.bucket.noncurrent_version_expiration_days >= 1 && var.bucket.abort_incomplete_upload_days >= 1
    error_message = "bucket.noncurrent_version_expiration_days and bucket.abort_incomplete_upload_days must be at least 1."
  }

  validation {
    condition     = length(var.bucket.cors_allowed_origins) > 0
    error_message = "bucket.cors_allowed_origins needs at least one origin."
  }
}

variable "tables" {
  description = "The ImageMetadata and AlbumMetadata tables. `create = false` skips both (use the estate's own tables). `kms_key_arn` uses a customer managed key instead of the AWS owned one."
  type = object({
    create                 = optional(bool, true)
    point_in_time_recovery = optional(bool, true)
    deletion_protection    = optional(bool, false)
    kms_key_arn            = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.tables.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", coalesce(var.tables.kms_key_arn, "x")))
    error_message = "tables.kms_key_arn must be a KMS key ARN."
  }
}
