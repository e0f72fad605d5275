output "identity_pool_id" {
  description = "ID of the Cognito identity pool (`<region>:<uuid>`)."
  value       = aws_cognito_identity_pool.this.id
  depends_on  = [aws_cognito_identity_pool_roles_attachment.this, aws_iam_role_policy.browser]
}

output "user_pool_id" {
  description = "ID of the Cognito user pool users sign up and sign in with."
  value       = aws_cognito_user_pool.this.id
}

output "user_pool_arn" {
  description = "ARN of the Cognito user pool (the source_arn of a pre-sign-up function's permission)."
  value       = aws_cognito_user_pool.this.arn
}

output "user_pool_client_id" {
  description = "ID of the web app's user pool client (no secret; USER_PASSWORD_AUTH, USER_SRP_AUTH, REFRESH_TOKEN_AUTH)."
  value       = aws_cognito_user_pool_client.web.id
}

output "browser_role_arns" {
  description = "ARNs of the browser roles, keyed by identity type (authenticated, unauthenticated)."
  value       = { for k, r in aws_iam_role.browser : k => r.arn }
}

output "webapp_config" {
  description = "Runtime configuration of the test web app (webapp/public/config.json): region, user pool and client, identity pool, bucket, tables, index names, prefixes, whether guests are allowed, the reprocess function (retry; null when none), and endpoint."
  value = {
    region             = data.aws_region.current.name
    userPoolId         = aws_cognito_user_pool.this.id
    userPoolClientId   = aws_cognito_user_pool_client.web.id
    identityPoolId     = aws_cognito_identity_pool.this.id
    allowGuests        = var.allow_unauthenticated_identities
    bucket             = var.bucket_name
    imageMetadataTable = var.image_metadata_table.name
    albumMetadataTable = var.album_metadata_table.name
    albumIndex         = var.image_metadata_table.index_name
    userAlbumsIndex    = var.album_metadata_table.index_name
    incomingPrefix     = var.prefixes.incoming
    thumbnailPrefix    = var.prefixes.thumbnails
    reprocessFunction  = var.reprocess_function_arn
    endpoint           = var.endpoint
  }
  depends_on = [aws_cognito_identity_pool_roles_attachment.this, aws_iam_role_policy.browser]
}
