variable "name_prefix" {
  description = "Prefix of every name: functions, roles, log groups, the state machine, the tables and (unless bucket.name is given) the bucket `<name_prefix>-photos-<account id>-<region>`."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-40 characters of lower-case letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "package" {
  description = "Where tools/package.py wrote the zips (`directory`: functions.zip and layer-<runtime>-<architecture>.zip) and the Lambda runtime and architecture they were built for. `functions_hash` and `layer_hash` (base64 SHA-256) spare reading the zips at plan time."
  type = object({
    directory      = string
    runtime        = optional(string, "python3.13")
    architecture   = optional(string, "arm64")
    functions_hash = optional(string)
    layer_hash     = optional(string)
  })
  nullable = false
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}


variable "prefixes" {
  description = "Key prefixes in the bucket: uploads arrive under `incoming`, thumbnails are written under `thumbnails`. Both end in `/` and differ."
  type = object({
    incoming   = optional(string, "Incoming/")
    thumbnails = optional(string, "Thumbnails/")
  })
  default  = {}
  nullable = false
}


variable "encryption" {
  description = "Customer managed KMS key that encrypts the bucket and the tables, if any: every function, the dead-letter queue and the browser role use it. Either bring one (`kms_key_arn`) or have one created here (`create_kms_key`: rotated yearly, a 30-day deletion window, alias `alias/<name_prefix>`, a key policy giving the account its administration and CloudWatch Logs its use for this account's log groups), not both. With `logs` (default true) it also encrypts the log groups, so a brought key's policy must allow CloudWatch Logs."
  type = object({
    kms_key_arn    = optional(string)
    create_kms_key = optional(bool, false)
    logs           = optional(bool, true)
  })
  default  = {}
  nullable = false

  validation {
    condition     = !(var.encryption.create_kms_key && var.encryption.kms_key_arn != null)
    error_message = "encryption: set kms_key_arn (a key of yours) or create_kms_key (a key created here), not both."
  }
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
}


variable "functions" {
  description = "Settings of every function (memory_size in MB: null, the default, gives each function its measured size: 128 for transform_metadata, store_metadata, record_failure and record_terminal, 256 for extract_metadata, 1024 for generate_thumbnail and detect_labels, 512 for describe_execution, reprocess and backfill_object, see docs/cost.md; a number sets every pipeline function; timeout in seconds, Powertools log_level) and per-function overrides of memory and timeout, keyed by function: extract_metadata, transform_metadata, detect_labels, generate_thumbnail, store_metadata, record_failure, record_terminal, describe_execution, reprocess, backfill_object and start_execution (the trigger's, 256 MB unless overridden). `reserved_concurrent_executions` (default 10 each, -1 for unreserved) keeps a flood of uploads from taking the account's whole Lambda concurrency; AWS keeps 100 unreserved, so an account limit under about 200 needs -1 or smaller values."
  type = object({
    memory_size                    = optional(number)
    timeout                        = optional(number, 30)
    log_level                      = optional(string, "INFO")
    reserved_concurrent_executions = optional(number, 10)
    overrides = optional(map(object({
      memory_size                    = optional(number)
      timeout                        = optional(number)
      reserved_concurrent_executions = optional(number)
    })), {})
  })
  default  = {}
  nullable = false
}

variable "image_settings" {
  description = "Image processing settings passed to the functions: label count and confidence for Rekognition; the renditions (`renditions`, name => box px, null: the 250 px `thumbnail` (`thumbnail_size`) and a 1,280 px `preview`, all from one decode; `rendition_format` auto (JPEG, PNG when transparent) or webp); the decompression-bomb pixel limit; the largest object processed (bytes; larger ones end FAILED ImageTooLarge unread); the formats accepted (`formats`: any of JPEG, PNG, HEIF, AVIF, WEBP, GIF, all by default; others end FAILED FileTypeNotSupported); and `duplicate_max_distance`, the perceptual-hash bits within which an upload is `duplicateOf` an earlier photo of its owner. The pipeline module's variable of the same name validates them."
  type = object({
    max_labels             = optional(number, 10)
    min_confidence         = optional(number, 60)
    thumbnail_size         = optional(number, 250)
    renditions             = optional(map(number))
    rendition_format       = optional(string, "auto")
    max_image_pixels       = optional(number, 89478485)
    max_object_bytes       = optional(number, 52428800)
    formats                = optional(list(string), ["JPEG", "PNG", "HEIF", "AVIF", "WEBP", "GIF"])
    duplicate_max_distance = optional(number, 6)
  })
  default  = {}
  nullable = false
}

variable "moderation" {
  description = "Rekognition DetectModerationLabels as a third parallel branch, off by default: a photo with moderation labels at or above `min_confidence` carries them as `moderationLabels`."
  type = object({
    enabled        = optional(bool, false)
    min_confidence = optional(number, 50)
  })
  default  = {}
  nullable = false
}

variable "state_machine" {
  description = "State machine settings: `type` STANDARD or EXPRESS, the log level of its execution history and whether that history includes execution data (inputs and outputs: GPS and identities; turn it off in production), and `timeout_seconds` (null: 900 for STANDARD, 300 for EXPRESS), after which an execution ends TIMED_OUT and its item FAILED `ExecutionTimedOut`."
  type = object({
    type                   = optional(string, "STANDARD")
    log_level              = optional(string, "ALL")
    include_execution_data = optional(bool, true)
    timeout_seconds        = optional(number)
  })
  default  = {}
  nullable = false
}

variable "backfill" {
  description = "The backfill state machine (on by default; output `backfill_state_machine_arn`): a Distributed Map over the bucket's listing that runs every object under the input's `prefix` without an item (all of them with `\"all\": true`) through the pipeline. `max_concurrency` (10) bounds the image processing executions at once; `tolerated_failure_percentage` (5) of the objects may fail before the backfill fails; `inventory_manifest` (`{bucket_name, prefix, kms_key_arn}`) reads an S3 Inventory manifest (its key in the input's `manifestKey`) instead of listing, for very large buckets."
  type = object({
    enabled                      = optional(bool, true)
    max_concurrency              = optional(number, 10)
    tolerated_failure_percentage = optional(number, 5)
    inventory_manifest = optional(object({
      bucket_name = string
      prefix      = optional(string, "")
      kms_key_arn = optional(string)
    }))
  })
  default  = {}
  nullable = false
}

variable "dead_letter_queue" {
  description = "The trigger's dead-letter queue: how long it keeps the S3 events start_execution failed on, how many times Lambda retries such an event first (0-2), and how long Lambda keeps an event it could not run yet (throttled) before sending it there (maximum_event_age_in_seconds, 60-21600): with the dead-letter consumer's run, the longest an upload waits for its execution to start or for its item to end FAILED StartFailed."
  type = object({
    message_retention_seconds    = optional(number, 1209600)
    maximum_retry_attempts       = optional(number, 2)
    maximum_event_age_in_seconds = optional(number, 3600)
  })
  default  = {}
  nullable = false
}

variable "tracing_enabled" {
  description = "Turn on AWS X-Ray (Active tracing) for everything this module runs."
  type        = bool
  default     = false
  nullable    = false
}


variable "logs" {
  description = "CloudWatch Logs settings of the log groups (encrypted with encryption.kms_key_arn when encryption.logs is true)."
  type = object({
    retention_in_days = optional(number, 30)
  })
  default  = {}
  nullable = false
}


variable "test_client" {
  description = "The test web app's sign-in (Cognito user pool and identity pool) and per-identity browser role: off unless `enabled`. Guests only with `allow_unauthenticated_identities`. `pre_sign_up_function_arn` runs before each sign-up (a throwaway environment's auto-confirm). `endpoint` is the AWS endpoint the web app talks to (the local emulator); null against AWS."
  type = object({
    enabled                          = optional(bool, false)
    allow_unauthenticated_identities = optional(bool, false)
    pre_sign_up_function_arn         = optional(string)
    endpoint                         = optional(string)
  })
  default  = {}
  nullable = false
}
