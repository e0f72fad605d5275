data "aws_partition" "current" {}

locals {
  bucket_arn     = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket_name}"
  functions_hash = coalesce(var.package.functions_hash, filebase64sha256(var.package.functions_zip))
  layer_hash     = coalesce(var.package.layer_hash, filebase64sha256(var.package.layer_zip))

  # Every step of the state machine; describe_execution serves the web app and is declared on its own
  # (it needs the state machine ARN, which needs the steps' ARNs).
  steps = {
    extract_metadata = {
      MAX_IMAGE_PIXELS = tostring(var.image_settings.max_image_pixels)
    }
    transform_metadata = {}
    detect_labels = {
      MAX_LABELS     = tostring(var.image_settings.max_labels)
      MIN_CONFIDENCE = tostring(var.image_settings.min_confidence)
    }
    generate_thumbnail = {
      THUMBNAIL_SIZE   = tostring(var.image_settings.thumbnail_size)
      THUMBNAIL_PREFIX = var.prefixes.thumbnails
    }
    store_metadata = {
      IMAGE_METADATA_TABLE = var.image_metadata_table.name
    }
    record_failure = {
      IMAGE_METADATA_TABLE = var.image_metadata_table.name
    }
  }
  function_keys = concat(keys(local.steps), ["describe_execution"])

  function_names = { for k in local.function_keys : k => "${var.name_prefix}-${replace(k, "_", "-")}" }

  function_settings = {
    for k in local.function_keys : k => {
      memory_size = coalesce(try(var.functions.overrides[k].memory_size, null), var.functions.memory_size)
      timeout     = coalesce(try(var.functions.overrides[k].timeout, null), var.functions.timeout)
    }
  }

  powertools_env = {
    POWERTOOLS_LOG_LEVEL      = var.functions.log_level
    POWERTOOLS_TRACE_DISABLED = var.tracing_enabled ? "false" : "true"
  }
}
