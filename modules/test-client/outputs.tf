output "identity_pool_id" {
  description = "ID of the Cognito identity pool (`<region>:<uuid>`)."
  value       = aws_cognito_identity_pool.this.id
  depends_on  = [aws_cognito_identity_pool_roles_attachment.this, aws_iam_role_policy.browser]
}

output "browser_role_arns" {
  description = "ARNs of the browser roles, keyed by identity type (authenticated, unauthenticated)."
  value       = { for k, r in aws_iam_role.browser : k => r.arn }
}

output "webapp_config" {
  description = "Runtime configuration of the test web app (webapp/public/config.json): region, identity pool, bucket, tables, index names, function, prefixes and endpoint."
  value = {
    region                    = data.aws_region.current.name
    identityPoolId            = aws_cognito_identity_pool.this.id
    bucket                    = var.bucket_name
    imageMetadataTable        = var.image_metadata_table.name
    albumMetadataTable        = var.album_metadata_table.name
    albumIndex                = var.image_metadata_table.index_name
    userAlbumsIndex           = var.album_metadata_table.index_name
    describeExecutionFunction = var.describe_execution_function.name
    incomingPrefix            = var.prefixes.incoming
    thumbnailPrefix           = var.prefixes.thumbnails
    endpoint                  = var.endpoint
  }
  depends_on = [aws_cognito_identity_pool_roles_attachment.this, aws_iam_role_policy.browser]
}
