variable "name_prefix" {
  description = "Prefix for every name: the function `<name_prefix>-start-execution`, its role, log group and dead-letter queue."
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
  description = "The functions zip built by tools/package.py and the dependency layer ARN (the pipeline module's layer_arn). The hash defaults to filebase64sha256 of the zip."
  type = object({
    functions_zip  = string
    functions_hash = optional(string)
    layer_arn      = string
  })
  nullable = false

  validation {
    condition     = endswith(var.package.functions_zip, ".zip") && can(regex("^arn:aws[a-z-]*:lambda:.*:layer:", var.package.layer_arn))
    error_message = "package.functions_zip must be a .zip path and package.layer_arn a Lambda layer version ARN."
  }
}

variable "runtime" {
  description = "Lambda Python runtime of the function."
  type        = string
  default     = "python3.13"
  nullable    = false

  validation {
    condition     = can(regex("^python3\\.[0-9]+$", var.runtime))
    error_message = "runtime must be a Lambda Python runtime such as python3.13."
  }
}

variable "architecture" {
  description = "Instruction set of the function: arm64 or x86_64."
  type        = string
  default     = "arm64"
  nullable    = false

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "bucket_name" {
  description = "Name of the photo bucket whose uploads start executions. The module owns the bucket's one notification configuration."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name."
  }
}

variable "bucket_owner_account_id" {
  description = "Account that owns the bucket, used as the Lambda permission's source_account. Defaults to the caller's account."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_owner_account_id == null || can(regex("^[0-9]{12}$", coalesce(var.bucket_owner_account_id, "x")))
    error_message = "bucket_owner_account_id must be a 12-digit AWS account ID."
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
  description = "The ImageMetadata table in which the function writes each upload's item before starting its execution (the storage module's image_metadata_table output)."
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

variable "state_machine_arn" {
  description = "ARN of the image processing state machine (the pipeline module's state_machine_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:", var.state_machine_arn))
    error_message = "state_machine_arn must be a Step Functions state machine ARN."
  }
}

variable "encryption" {
  description = "Customer managed KMS key that encrypts the bucket and the tables, if any: the function then gets kms:Decrypt and kms:GenerateDataKey on it, only through DynamoDB for this table (kms:ViaService and the table's encryption context) and through SQS for the dead-letter queue. It also encrypts the dead-letter queue, and with `logs` (default true) the log group, so its key policy must allow CloudWatch Logs."
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

variable "function" {
  description = "Settings of the start_execution function. maximum_event_age_in_seconds (default 3600) bounds how long Lambda keeps an S3 event it could not run yet (throttled) before the dead-letter queue gets it, and with it how long an upload can wait without an outcome. reserved_concurrent_executions (default 10; null also means 10) keeps a flood of uploads from taking the account's whole Lambda concurrency (throttled S3 events wait in Lambda's asynchronous queue): 0 stops the function, -1 leaves it unreserved. The account must keep 100 executions unreserved."
  type = object({
    memory_size                    = optional(number, 256)
    timeout                        = optional(number, 30)
    log_level                      = optional(string, "INFO")
    maximum_retry_attempts         = optional(number, 2)
    maximum_event_age_in_seconds   = optional(number, 3600)
    reserved_concurrent_executions = optional(number, 10)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.function.memory_size >= 128 && var.function.memory_size <= 10240 && var.function.timeout >= 1 && var.function.timeout <= 900
    error_message = "function.memory_size must be 128-10240 MB and function.timeout 1-900 seconds."
  }

  validation {
    condition     = var.function.maximum_retry_attempts >= 0 && var.function.maximum_retry_attempts <= 2
    error_message = "function.maximum_retry_attempts must be 0, 1 or 2 (the Lambda asynchronous invocation limit)."
  }

  validation {
    condition     = var.function.maximum_event_age_in_seconds >= 60 && var.function.maximum_event_age_in_seconds <= 21600
    error_message = "function.maximum_event_age_in_seconds must be 60-21600 (the Lambda asynchronous invocation limits)."
  }

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.function.log_level)
    error_message = "function.log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL."
  }

  validation {
    condition     = var.function.reserved_concurrent_executions >= -1 && floor(var.function.reserved_concurrent_executions) == var.function.reserved_concurrent_executions
    error_message = "function.reserved_concurrent_executions must be a whole number: -1 for unreserved, 0 to stop the function, or the executions to reserve."
  }
}

variable "logs" {
  description = "CloudWatch Logs settings of the function's log group (encrypted with encryption.kms_key_arn when encryption.logs is true)."
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

variable "dead_letter_queue" {
  description = "The SQS queue that receives S3 events the function failed on after its retries. SSE uses SQS managed keys unless encryption.kms_key_arn is given."
  type = object({
    message_retention_seconds = optional(number, 1209600)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.dead_letter_queue.message_retention_seconds >= 60 && var.dead_letter_queue.message_retention_seconds <= 1209600
    error_message = "dead_letter_queue.message_retention_seconds must be 60-1209600."
  }
}

variable "tracing_enabled" {
  description = "Turn on AWS X-Ray (Active tracing) for everything this module runs."
  type        = bool
  default     = false
  nullable    = false
}
