variable "name_prefix" {
  description = "Prefix for every name: the identity pool and the browser roles `<name_prefix>-browser-unauthenticated` and `<name_prefix>-browser-authenticated`."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{1,38}[A-Za-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-40 letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "allow_unauthenticated_identities" {
  description = "Let the test web app get credentials without signing in, as the reference sample does. The browser role stays limited to its prefixes and tables."
  type        = bool
  default     = true
  nullable    = false
}

variable "bucket_name" {
  description = "Name of the photo bucket the browser uploads to and reads thumbnails from."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name."
  }
}

variable "prefixes" {
  description = "Key prefixes: the browser may put objects under `incoming` and get objects under `thumbnails`. Both end in `/`."
  type = object({
    incoming   = optional(string, "Incoming/")
    thumbnails = optional(string, "Thumbnails/")
  })
  default  = {}
  nullable = false

  validation {
    condition     = endswith(var.prefixes.incoming, "/") && endswith(var.prefixes.thumbnails, "/")
    error_message = "prefixes.incoming and prefixes.thumbnails must end in /."
  }
}

variable "tables" {
  description = "The ImageMetadata and AlbumMetadata tables with the names of their indexes; the browser reads both and creates albums."
  type = object({
    image_metadata = object({
      name       = string
      arn        = string
      index_name = optional(string, "albumID-uploadTime-index")
    })
    album_metadata = object({
      name       = string
      arn        = string
      index_name = optional(string, "userID-creationTime-index")
    })
  })
  nullable = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:", var.tables.image_metadata.arn)) && can(regex("^arn:aws[a-z-]*:dynamodb:", var.tables.album_metadata.arn))
    error_message = "tables.*.arn must be DynamoDB table ARNs."
  }
}

variable "describe_execution_function" {
  description = "The describe_execution function (the pipeline module's outputs): the only function the browser may invoke."
  type = object({
    name = string
    arn  = string
  })
  nullable = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:lambda:", var.describe_execution_function.arn))
    error_message = "describe_execution_function.arn must be a Lambda function ARN."
  }
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the bucket and tables, if any: the browser role then gets kms:Decrypt and kms:GenerateDataKey on it."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", coalesce(var.kms_key_arn, "x")))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "endpoint" {
  description = "AWS endpoint URL the web app talks to (the local emulator); null against AWS."
  type        = string
  default     = null

  validation {
    condition     = var.endpoint == null || can(regex("^https?://", coalesce(var.endpoint, "x")))
    error_message = "endpoint must be null or an http(s) URL."
  }
}
