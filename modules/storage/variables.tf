variable "name_prefix" {
  description = "Prefix for every name: the bucket `<name_prefix>-photos-<account>-<region>` (unless bucket.name is given) and the tables `<name_prefix>-ImageMetadata` and `<name_prefix>-AlbumMetadata`."
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
  description = "The photo bucket. `create = false` brings the estate's own bucket, named by `name`. A created bucket's `name` defaults to `<name_prefix>-photos-<account id>-<region>`, which no other account can hold."
  type = object({
    create                             = optional(bool, true)
    name                               = optional(string)
    force_destroy                      = optional(bool, false)
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
    condition     = var.bucket.create || var.bucket.name != null
    error_message = "bucket.name is required when bucket.create is false (the estate's bucket)."
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
  description = "The ImageMetadata and AlbumMetadata tables. `create = false` brings the estate's own tables (same keys and index names), named `<name_prefix>-ImageMetadata` and `<name_prefix>-AlbumMetadata` unless `image_metadata_name` and `album_metadata_name` say otherwise."
  type = object({
    create                 = optional(bool, true)
    image_metadata_name    = optional(string)
    album_metadata_name    = optional(string)
    point_in_time_recovery = optional(bool, true)
    deletion_protection    = optional(bool, false)
  })
  default  = {}
  nullable = false

  validation {
    condition = alltrue([
      for n in compact([var.tables.image_metadata_name, var.tables.album_metadata_name]) : can(regex("^[A-Za-z0-9_.-]{3,255}$", n))
    ])
    error_message = "Table names must be 3-255 letters, digits, underscores, hyphens and dots."
  }
}

variable "encryption" {
  description = "Customer managed KMS key of the data: the bucket (SSE-KMS with a bucket key) and the tables. Null: AES256 and the AWS owned key. `logs` is read by the modules that own log groups."
  type = object({
    kms_key_arn = optional(string)
    logs        = optional(bool, true)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.encryption.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", coalesce(var.encryption.kms_key_arn, "x")))
    error_message = "encryption.kms_key_arn must be a KMS key ARN."
  }
}
