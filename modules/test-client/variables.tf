variable "name_prefix" {
  description = "Prefix for every name: the user pool `<name_prefix>-users`, its client, the identity pool and the browser roles `<name_prefix>-browser-authenticated` (and `-unauthenticated`)."
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
  description = "Let the web app get guest credentials without signing in. Off by default; guests then get the same per-identity isolation as signed-in users (their own prefix, items and albums)."
  type        = bool
  default     = false
  nullable    = false
}

variable "user_pool" {
  description = "The Cognito user pool users sign up and sign in with (email as username, a display `name` attribute). `pre_sign_up_function_arn` runs before each sign-up (for example to auto-confirm users of a throwaway environment; grant cognito-idp.amazonaws.com lambda:InvokeFunction on it)."
  type = object({
    password_minimum_length  = optional(number, 12)
    deletion_protection      = optional(bool, false)
    pre_sign_up_function_arn = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.user_pool.password_minimum_length >= 8 && var.user_pool.password_minimum_length <= 99
    error_message = "user_pool.password_minimum_length must be 8-99."
  }

  validation {
    condition     = var.user_pool.pre_sign_up_function_arn == null || can(regex("^arn:aws[a-z-]*:lambda:", coalesce(var.user_pool.pre_sign_up_function_arn, "x")))
    error_message = "user_pool.pre_sign_up_function_arn must be a Lambda function ARN."
  }
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
  description = "Key prefixes in the bucket: the browser may put objects under `incoming` and get objects under `thumbnails`. Both end in `/` and differ (the root module's prefixes, which default to `Incoming/` and `Thumbnails/`)."
  type = object({
    incoming   = string
    thumbnails = string
  })
  nullable = false

  validation {
    condition     = endswith(var.prefixes.incoming, "/") && endswith(var.prefixes.thumbnails, "/") && var.prefixes.incoming != var.prefixes.thumbnails
    error_message = "prefixes.incoming and prefixes.thumbnails must end in / and differ (a function must never trigger itself)."
  }
}

variable "image_metadata_table" {
  description = "The ImageMetadata table the browser reads, with its album index (the storage module's image_metadata_table output)."
  type = object({
    name       = string
    arn        = string
    index_name = string
  })
  nullable = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:", var.image_metadata_table.arn))
    error_message = "image_metadata_table.arn must be a DynamoDB table ARN."
  }
}

variable "album_metadata_table" {
  description = "The AlbumMetadata table the browser reads and creates albums in, with its user index (the storage module's album_metadata_table output)."
  type = object({
    name       = string
    arn        = string
    index_name = string
  })
  nullable = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:", var.album_metadata_table.arn))
    error_message = "album_metadata_table.arn must be a DynamoDB table ARN."
  }
}


variable "encryption" {
  description = "Customer managed KMS key that encrypts the bucket and the tables, if any: the browser role then gets kms:Decrypt and kms:GenerateDataKey on it, only through S3 for the bucket or its own objects and through DynamoDB for the two tables (encryption context). `logs` is read by the modules that own log groups."
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

variable "endpoint" {
  description = "AWS endpoint URL the web app talks to (the local emulator); null against AWS."
  type        = string
  default     = null

  validation {
    condition     = var.endpoint == null || can(regex("^https?://", coalesce(var.endpoint, "x")))
    error_message = "endpoint must be null or an http(s) URL."
  }
}

variable "reprocess_function_arn" {
  description = "ARN of the pipeline's reprocess function (the pipeline module's `reprocess_function_arn`), which a signed-in user may invoke to retry their own photos; null: no retry."
  type        = string
  default     = null

  validation {
    condition     = var.reprocess_function_arn == null || can(regex("^arn:aws[a-z-]*:lambda:", coalesce(var.reprocess_function_arn, "x")))
    error_message = "reprocess_function_arn must be null or a Lambda function ARN."
  }
}
