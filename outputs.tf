output "bucket_name" {
  description = "Name of the photo bucket: upload under prefixes.incoming."
  value       = module.storage.bucket_name
}

output "bucket_arn" {
  description = "ARN of the photo bucket."
  value       = module.storage.bucket_arn
}

output "kms_key_arn" {
  description = "ARN of the customer managed KMS key that encrypts the data: the one created here (encryption.create_kms_key) or the one brought (encryption.kms_key_arn); null without one."
  value       = local.encryption.kms_key_arn
}

output "image_metadata_table" {
  description = "The ImageMetadata table as the storage module outputs it: name, arn, index_name (albumID, uploadTime), execution_index_name (executionName) and hash_index_name (userID, contentHash)."
  value       = module.storage.image_metadata_table
}

output "album_metadata_table" {
  description = "The AlbumMetadata table: name, arn and index_name (userID, creationTime)."
  value       = module.storage.album_metadata_table
}

output "state_machine_arn" {
  description = "ARN of the image processing state machine."
  value       = module.pipeline.state_machine_arn
}

output "state_machine_log_group_name" {
  description = "Name of the state machine's log group."
  value       = module.pipeline.state_machine_log_group_name
}

output "backfill_state_machine_arn" {
  description = "ARN of the backfill state machine (input `{\"prefix\": \"Incoming/...\", \"all\": false}`), or null when backfill.enabled is false."
  value       = module.pipeline.backfill_state_machine_arn
}

output "reprocess_function_name" {
  description = "Name of the reprocess function (the web app's retry of the caller's own photos, `{\"imageIDs\": [...]}`)."
  value       = module.pipeline.reprocess_function_name
}

output "function_names" {
  description = "Names of every function, keyed by function (start_execution included)."
  value       = merge(module.pipeline.function_names, { start_execution = module.trigger.function_name })
}

output "function_role_arns" {
  description = "ARNs of every function's execution role, keyed by function (start_execution included)."
  value       = merge(module.pipeline.function_role_arns, { start_execution = module.trigger.role_arn })
}

output "package" {
  description = "The packages the functions run, named by tools/package.py's convention (written once, here): functions_zip and layer_zip, the paths; functions_hash and layer_hash, their base64 SHA-256 (package's own hashes when given). A composition's own function in the same zip takes these."
  value = {
    functions_zip  = local.package.functions_zip
    functions_hash = local.functions_hash
    layer_zip      = local.package.layer_zip
    layer_hash     = local.layer_hash
  }
}

output "layer_arn" {
  description = "ARN (with version) of the dependency layer."
  value       = module.pipeline.layer_arn
}

output "dead_letter_queue_url" {
  description = "URL of the queue receiving the S3 events start_execution failed on."
  value       = module.trigger.dead_letter_queue_url
}

output "identity_pool_id" {
  description = "ID of the test web app's Cognito identity pool, or null when test_client.enabled is false."
  value       = one(module.test_client[*].identity_pool_id)
}

output "user_pool_id" {
  description = "ID of the test web app's Cognito user pool, or null when test_client.enabled is false."
  value       = one(module.test_client[*].user_pool_id)
}

output "user_pool_arn" {
  description = "ARN of the test web app's Cognito user pool, or null when test_client.enabled is false."
  value       = one(module.test_client[*].user_pool_arn)
}

output "user_pool_client_id" {
  description = "ID of the web app's user pool client, or null when test_client.enabled is false."
  value       = one(module.test_client[*].user_pool_client_id)
}

output "webapp_config" {
  description = "Runtime configuration of the test web app (webapp/public/config.json), or null when test_client.enabled is false."
  value       = one(module.test_client[*].webapp_config)
}
