data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  # ARNs built from names, as AWS builds them: known at plan time, so policies and the state
  # machine definition can be reviewed (and tested) in the plan, and no dependency cycle arises.
  _arn_base             = "${data.aws_partition.current.partition}:%s:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
  bucket_arn            = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket_name}"
  function_arns         = { for k, n in local.function_names : k => "arn:${format(local._arn_base, "lambda")}:function:${n}" }
  log_group_arns        = { for k, n in local.function_names : k => "arn:${format(local._arn_base, "logs")}:log-group:/aws/lambda/${n}" }
  state_machine_arn     = "arn:${format(local._arn_base, "states")}:stateMachine:${local.state_machine_name}"
  terminal_queue_arn    = "arn:${format(local._arn_base, "sqs")}:${local.terminal_queue_name}"
  execution_arn_pattern = "arn:${format(local._arn_base, "states")}:execution:${local.state_machine_name}:*"

  functions_hash = coalesce(var.package.functions_hash, filebase64sha256(var.package.functions_zip))
  layer_hash     = coalesce(var.package.layer_hash, filebase64sha256(var.package.layer_zip))

  renditions = coalesce(var.image_settings.renditions, { thumbnail = var.image_settings.thumbnail_size, preview = 1280 })

  # Every function that reads and decodes the uploaded object honours the same limits.
  _image_limits = {
    MAX_IMAGE_PIXELS = tostring(var.image_settings.max_image_pixels)
    MAX_OBJECT_BYTES = tostring(var.image_settings.max_object_bytes)
    # The same list as the state machine's ImageTypeCheck.
    IMAGE_FORMATS = join(",", var.image_settings.formats)
  }

  # Every function with its own environment; describe_execution and reprocess serve the web app.
  functions = merge({
    extract_metadata   = local._image_limits
    transform_metadata = {}
    detect_labels = merge(local._image_limits, {
      MAX_LABELS     = tostring(var.image_settings.max_labels)
      MIN_CONFIDENCE = tostring(var.image_settings.min_confidence)
      }, var.moderation.enabled ? {
      MODERATION_MIN_CONFIDENCE = tostring(var.moderation.min_confidence)
    } : {})
    generate_thumbnail = merge(local._image_limits, {
      THUMBNAIL_SIZE   = tostring(var.image_settings.thumbnail_size)
      THUMBNAIL_PREFIX = var.prefixes.thumbnails
      # Every rendition from one decode: the web app's thumbnail and the photo view's preview.
      RENDITIONS       = join(",", [for name, box in local.renditions : "${name}:${box}"])
      RENDITION_FORMAT = var.image_settings.rendition_format
    })
    store_metadata = {
      IMAGE_METADATA_TABLE   = var.image_metadata_table.name
      HASH_INDEX             = var.image_metadata_table.hash_index_name
      DUPLICATE_MAX_DISTANCE = tostring(var.image_settings.duplicate_max_distance)
    }
    record_failure = {
      IMAGE_METADATA_TABLE = var.image_metadata_table.name
    }
    # The backstop, outside the state machine: invoked by EventBridge (STANDARD) or the state
    # machine's log group (EXPRESS), never by a state.
    record_terminal = {
      IMAGE_METADATA_TABLE = var.image_metadata_table.name
      STATE_MACHINE_ARN    = local.state_machine_arn
      EXECUTION_INDEX      = var.image_metadata_table.execution_index_name
    }
    describe_execution = {
      STATE_MACHINE_ARN = local.state_machine_arn
    }
    # The web app's retry: the caller's own photos run again (never invoked by a state).
    reprocess = local._run_env
    }, var.backfill.enabled ? {
    # One object of the backfill's Distributed Map (invoked by the backfill state machine).
    backfill_object = local._run_env
  } : {})
  # Reprocess and backfill start the image processing state machine on objects under Incoming/.
  _run_env = {
    BUCKET_NAME          = var.bucket_name
    IMAGE_METADATA_TABLE = var.image_metadata_table.name
    STATE_MACHINE_ARN    = local.state_machine_arn
    INCOMING_PREFIX      = var.prefixes.incoming
  }
  function_keys = keys(local.functions)
  # The functions the image processing state machine invokes.
  steps = [for k in local.function_keys : k if !contains(["describe_execution", "record_terminal", "reprocess", "backfill_object"], k)]

  function_names = { for k in local.function_keys : k => "${var.name_prefix}-${replace(k, "_", "-")}" }

  function_settings = {
    for k in local.function_keys : k => {
      timeout = coalesce(try(var.functions.overrides[k].timeout, null), var.functions.timeout)
      # An override wins (-1 there: unreserved); a null override inherits the default.
      reserved_concurrent_executions = coalesce(try(var.functions.overrides[k].reserved_concurrent_executions, null), var.functions.reserved_concurrent_executions)
    }
  }

  logs_kms_key_arn = var.encryption.logs ? var.encryption.kms_key_arn : null

  powertools_env = {
    POWERTOOLS_LOG_LEVEL      = var.functions.log_level
    POWERTOOLS_TRACE_DISABLED = var.tracing_enabled ? "false" : "true"
  }
}
