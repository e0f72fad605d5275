variable "name_prefix" {
  description = "Prefix for every name: functions `<name_prefix>-<step>`, roles, log groups and the state machine `<name_prefix>-image-processing`."
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

variable "package" {
  description = "Deployment packages built by tools/package.py: the functions zip and the dependency layer zip. Hashes default to filebase64sha256 of the files."
  type = object({
    functions_zip  = string
    functions_hash = optional(string)
    layer_zip      = string
    layer_hash     = optional(string)
  })
  nullable = false

  validation {
    condition     = endswith(var.package.functions_zip, ".zip") && endswith(var.package.layer_zip, ".zip")
    error_message = "package.functions_zip and package.layer_zip must be paths to .zip files."
  }
}

variable "runtime" {
  description = "Lambda Python runtime of every function and of the layer."
  type        = string
  default     = "python3.13"
  nullable    = false

  validation {
    condition     = can(regex("^python3\\.[0-9]+$", var.runtime))
    error_message = "runtime must be a Lambda Python runtime such as python3.13."
  }
}

variable "architecture" {
  description = "Instruction set of every function and of the layer: arm64 or x86_64."
  type        = string
  default     = "arm64"
  nullable    = false

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "bucket_name" {
  description = "Name of the photo bucket (created by the storage module or already in the estate)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name."
  }
}

variable "prefixes" {
  description = "Key prefixes in the bucket: uploads arrive under `incoming`, thumbnails are written under `thumbnails`. Both end in `/` and differ (the root module's prefixes, which default to `Incoming/` and `Thumbnails/`)."
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
  description = "The ImageMetadata table that store_metadata and record_failure update (the storage module's image_metadata_table output); `execution_index_name`, a keys-only index on executionName, lets the EXPRESS backstop find the item an execution owned; `hash_index_name`, an index on userID and contentHash (projecting perceptualHash, uploadTime, processingStatus, duplicateOf), lets store_metadata find the owner's duplicates."
  type = object({
    name                 = string
    arn                  = string
    index_name           = string
    execution_index_name = string
    hash_index_name      = string
  })
  nullable = false

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:", var.image_metadata_table.arn))
    error_message = "image_metadata_table.arn must be a DynamoDB table ARN."
  }
}

variable "encryption" {
  description = "Customer managed KMS key that encrypts the bucket and the tables, if any: the functions that read or write them then get kms:Decrypt (and kms:GenerateDataKey where they write) on it, only through S3 or DynamoDB (kms:ViaService) and only for this bucket's objects or this table (the encryption context those services set). With `logs` (default true) it also encrypts the log groups, so its key policy must allow CloudWatch Logs."
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

variable "functions" {
  description = "Settings of every function (memory_size in MB: null, the default, gives each function its measured size from memory.tf: 128 for transform_metadata, store_metadata, record_failure and record_terminal, 256 for extract_metadata, 1024 for generate_thumbnail and detect_labels, 512 for describe_execution, reprocess and backfill_object, see docs/cost.md; a number sets every function; timeout in seconds, Powertools log_level, reserved_concurrent_executions) and per-function overrides of them, keyed by step name (extract_metadata, transform_metadata, detect_labels, generate_thumbnail, store_metadata, record_failure, describe_execution, record_terminal, reprocess, backfill_object). reserved_concurrent_executions (default 10 per function; null also means 10) keeps a flood of uploads from taking the account's whole Lambda concurrency (throttled steps are retried with backoff): 0 stops a function, -1 leaves it unreserved; an override left null inherits the default. The account must keep 100 executions unreserved."
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

  validation {
    condition = alltrue([
      for k in keys(var.functions.overrides) : contains(["extract_metadata", "transform_metadata", "detect_labels", "generate_thumbnail", "store_metadata", "record_failure", "describe_execution", "record_terminal", "reprocess", "backfill_object"], k)
    ])
    error_message = "functions.overrides keys must be function names: extract_metadata, transform_metadata, detect_labels, generate_thumbnail, store_metadata, record_failure, describe_execution, record_terminal, reprocess, backfill_object."
  }

  validation {
    condition = alltrue([
      for m in concat([for m in [var.functions.memory_size] : m if m != null], [for o in values(var.functions.overrides) : o.memory_size if o.memory_size != null]) : m >= 128 && m <= 10240
    ])
    error_message = "Lambda memory sizes must be between 128 and 10240 MB."
  }

  validation {
    condition = alltrue([
      for t in concat([var.functions.timeout], [for o in values(var.functions.overrides) : o.timeout if o.timeout != null]) : t >= 1 && t <= 900
    ])
    error_message = "Lambda timeouts must be between 1 and 900 seconds."
  }

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.functions.log_level)
    error_message = "functions.log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL."
  }

  validation {
    condition = alltrue([
      for r in concat([var.functions.reserved_concurrent_executions], [for o in values(var.functions.overrides) : o.reserved_concurrent_executions]) : r >= -1 && floor(r) == r if r != null
    ])
    error_message = "Reserved concurrency must be a whole number: -1 for unreserved, 0 to stop a function, or the executions to reserve."
  }
}

variable "image_settings" {
  description = "Image processing settings passed to the functions: `max_labels` and `min_confidence` for Rekognition's labels; `renditions`, name => box (px) of every rendition written under `prefixes.thumbnails`, all from one decode (null: `{thumbnail = thumbnail_size, preview = 1280}`; a `thumbnail` is required: it is the item's `thumbnail`); `rendition_format`, `auto` (JPEG; PNG when the image has transparency) or `webp`; `max_image_pixels`, the decompression-bomb pixel limit; `max_object_bytes`, the upload size limit (default 50 MiB): a larger object ends FAILED ImageTooLarge, refused from its size before it is read; `formats`, the formats accepted (default all the library reads: JPEG, PNG, HEIF, AVIF, WEBP, GIF; any other ends FAILED FileTypeNotSupported), rendered into the state machine's ImageTypeCheck and IMAGE_FORMATS of every function that decodes (Rekognition reads JPEG and PNG itself; the others go straight to a rendition); `duplicate_max_distance`, the bits two perceptual hashes may differ by for an upload to be marked `duplicateOf` an earlier photo of the same owner (0: the same picture only; the same bytes always match)."
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

  validation {
    condition     = length(var.image_settings.formats) >= 1 && length(distinct(var.image_settings.formats)) == length(var.image_settings.formats) && alltrue([for f in var.image_settings.formats : contains(["JPEG", "PNG", "HEIF", "AVIF", "WEBP", "GIF"], f)])
    error_message = "image_settings.formats: one or more of JPEG, PNG, HEIF, AVIF, WEBP, GIF (upper case, each once)."
  }

  validation {
    condition     = var.image_settings.max_labels >= 1 && var.image_settings.min_confidence >= 0 && var.image_settings.min_confidence <= 100 && var.image_settings.thumbnail_size >= 16 && var.image_settings.max_image_pixels >= 1
    error_message = "image_settings: max_labels >= 1, min_confidence in 0-100, thumbnail_size >= 16, max_image_pixels >= 1."
  }

  validation {
    condition = var.image_settings.renditions == null ? true : (
      contains(keys(var.image_settings.renditions), "thumbnail") &&
      alltrue([for name, box in var.image_settings.renditions : can(regex("^[a-z0-9][a-z0-9_-]{0,31}$", name)) && box >= 16 && box <= 8192 && floor(box) == box])
    )
    error_message = "image_settings.renditions: name => box, names of lower-case letters, digits, - and _ (a thumbnail among them), boxes whole pixels in 16-8192."
  }

  validation {
    condition     = contains(["auto", "webp"], var.image_settings.rendition_format)
    error_message = "image_settings.rendition_format must be auto (JPEG, PNG when transparent) or webp."
  }

  validation {
    condition     = var.image_settings.duplicate_max_distance >= 0 && var.image_settings.duplicate_max_distance <= 64 && floor(var.image_settings.duplicate_max_distance) == var.image_settings.duplicate_max_distance
    error_message = "image_settings.duplicate_max_distance: whole bits, 0-64."
  }

  validation {
    condition     = var.image_settings.max_object_bytes >= 1 && floor(var.image_settings.max_object_bytes) == var.image_settings.max_object_bytes
    error_message = "image_settings.max_object_bytes must be a whole number of bytes, at least 1."
  }
}

variable "moderation" {
  description = "Rekognition DetectModerationLabels as a third parallel branch (off by default; it is billed per image like DetectLabels): a photo with labels at or above `min_confidence` carries them as `moderationLabels`. Formats Rekognition cannot read, and objects it refuses, are sent as a rendition."
  type = object({
    enabled        = optional(bool, false)
    min_confidence = optional(number, 50)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.moderation.min_confidence >= 0 && var.moderation.min_confidence <= 100
    error_message = "moderation.min_confidence must be in 0-100."
  }
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

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.logs.retention_in_days)
    error_message = "logs.retention_in_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "state_machine" {
  description = "State machine settings: the ASL template to render (`definition_template`, a path: the root module passes its statemachine.json.tftpl), `type` STANDARD or EXPRESS, the log level of its execution history, and `timeout_seconds`, the execution's top-level TimeoutSeconds (null: 900 for STANDARD, 300 for EXPRESS; an execution past it ends TIMED_OUT and its item FAILED `ExecutionTimedOut`)."
  type = object({
    definition_template    = string
    type                   = optional(string, "STANDARD")
    log_level              = optional(string, "ALL")
    include_execution_data = optional(bool, true)
    timeout_seconds        = optional(number)
  })
  nullable = false

  validation {
    condition = var.state_machine.timeout_seconds == null ? true : (
      var.state_machine.timeout_seconds >= 1 &&
      var.state_machine.timeout_seconds <= (var.state_machine.type == "EXPRESS" ? 300 : 31536000) &&
      floor(var.state_machine.timeout_seconds) == var.state_machine.timeout_seconds
    )
    error_message = "state_machine.timeout_seconds must be a whole number of seconds, 1-31536000 (STANDARD) or 1-300 (EXPRESS)."
  }

  validation {
    condition     = contains(["STANDARD", "EXPRESS"], var.state_machine.type)
    error_message = "state_machine.type must be STANDARD or EXPRESS."
  }

  validation {
    condition     = contains(["ALL", "ERROR", "FATAL"], var.state_machine.log_level)
    error_message = "state_machine.log_level must be ALL, ERROR or FATAL."
  }
}

variable "backfill" {
  description = "The backfill state machine (on by default): a Distributed Map over the bucket's listing (ListObjectsV2 under the input's `prefix`, or with `inventory_manifest` the objects an S3 Inventory manifest lists, for very large buckets: `bucket_name` the inventory's destination bucket, `prefix` where its manifests are, `kms_key_arn` its key if any) that runs the image processing state machine on every object without an item (every object with `\"all\": true`). `max_concurrency` bounds the image processing executions running at once (and so the Lambda and Rekognition load: keep it at or under the steps' reserved concurrency); `tolerated_failure_percentage` of the objects may fail before the backfill stops and fails. Each object costs one map-run child execution and one image processing execution (about 10 state transitions each) and one backfill_object invocation."
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

  validation {
    condition     = var.backfill.max_concurrency >= 1 && var.backfill.max_concurrency <= 10000 && floor(var.backfill.max_concurrency) == var.backfill.max_concurrency
    error_message = "backfill.max_concurrency must be a whole number from 1 to 10000 (a Distributed Map's limit)."
  }

  validation {
    condition     = var.backfill.tolerated_failure_percentage >= 0 && var.backfill.tolerated_failure_percentage <= 100
    error_message = "backfill.tolerated_failure_percentage must be between 0 and 100."
  }
}
