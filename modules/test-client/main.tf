data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  bucket_arn = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket_name}"
  # Identity pool names allow letters, digits, underscores and spaces only.
  identity_pool_name = replace("${var.name_prefix} image pipeline", "-", "_")

  identities = merge(
    { authenticated = "authenticated" },
    var.allow_unauthenticated_identities ? { unauthenticated = "unauthenticated" } : {},
  )

  # IAM policy variable: the caller's Cognito identity id. Every key and item of a user begins
  # with it (Incoming/<id>/..., imageID and albumID "<id>/...", userID "<id>").
  identity = "$${cognito-identity.amazonaws.com:sub}"
  # What the web app writes in an album item, and nothing else.
  album_attributes = ["albumID", "userID", "albumName", "creationTime"]

  # The customer managed key, only as S3 or DynamoDB use it on the caller's behalf
  # (kms:ViaService) and only for what they name in the encryption context: S3 the bucket ARN
  # with S3 Bucket Keys (the storage module turns them on with a key), else the object ARN, only
  # under the caller's own prefixes (aws:s3:arn); DynamoDB the two tables and the account
  # (aws:dynamodb:tableName, aws:dynamodb:subscriberId). Same pattern as the pipeline's roles.
  kms_statements = var.encryption.kms_key_arn == null ? [] : [
    {
      sid     = "DataKeyS3"
      service = "s3.${data.aws_region.current.name}.amazonaws.com"
      test    = "StringLike"
      context = "kms:EncryptionContext:aws:s3:arn"
      values = [
        local.bucket_arn,
        "${local.bucket_arn}/${var.prefixes.incoming}${local.identity}/*",
        "${local.bucket_arn}/${var.prefixes.thumbnails}${local.identity}/*",
      ]
      required = {}
    },
    {
      sid      = "DataKeyDynamoDB"
      service  = "dynamodb.${data.aws_region.current.name}.amazonaws.com"
      test     = "StringEquals"
      context  = "kms:EncryptionContext:aws:dynamodb:tableName"
      values   = [var.image_metadata_table.name, var.album_metadata_table.name]
      required = { "kms:EncryptionContext:aws:dynamodb:subscriberId" = data.aws_caller_identity.current.account_id }
    },
  ]
}

resource "aws_cognito_user_pool" "this" {
  #checkov:skip=CKV_AWS_366:Not an identity pool; see aws_cognito_identity_pool.this.
  name                     = "${var.name_prefix}-users"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  deletion_protection      = var.user_pool.deletion_protection ? "ACTIVE" : "INACTIVE"
  mfa_configuration        = "OPTIONAL"

  software_token_mfa_configuration {
    enabled = true
  }

  password_policy {
    minimum_length                   = var.user_pool.password_minimum_length
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = false
    temporary_password_validity_days = 7
  }

  # The display name the web app shows: set at sign-up.
  schema {
    name                = "name"
    attribute_data_type = "String"
    required            = true
    mutable             = true
    string_attribute_constraints {
      min_length = 1
      max_length = 100
    }
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  dynamic "lambda_config" {
    for_each = var.user_pool.pre_sign_up_function_arn == null ? [] : [var.user_pool.pre_sign_up_function_arn]
    content {
      pre_sign_up = lambda_config.value
    }
  }

  tags = var.tags
}

resource "aws_cognito_user_pool_client" "web" {
  name         = "${var.name_prefix}-web"
  user_pool_id = aws_cognito_user_pool.this.id
  # A browser cannot keep a secret.
  generate_secret               = false
  explicit_auth_flows           = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  read_attributes               = ["email", "email_verified", "name"]
  write_attributes              = ["email", "name"]
  access_token_validity         = 60
  id_token_validity             = 60
  refresh_token_validity        = 30

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }
}

resource "aws_cognito_identity_pool" "this" {
  #checkov:skip=CKV_AWS_366:Guests are off by default (allow_unauthenticated_identities); when on, they get the same per-identity isolation as signed-in users.
  identity_pool_name               = local.identity_pool_name
  allow_unauthenticated_identities = var.allow_unauthenticated_identities
  allow_classic_flow               = false

  cognito_identity_providers {
    client_id               = aws_cognito_user_pool_client.web.id
    provider_name           = aws_cognito_user_pool.this.endpoint
    server_side_token_check = true
  }

  tags = var.tags
}

data "aws_iam_policy_document" "trust" {
  for_each = local.identities

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = ["cognito-identity.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "cognito-identity.amazonaws.com:aud"
      values   = [aws_cognito_identity_pool.this.id]
    }

    condition {
      test     = "ForAnyValue:StringLike"
      variable = "cognito-identity.amazonaws.com:amr"
      values   = [each.value]
    }
  }
}

resource "aws_iam_role" "browser" {
  for_each = local.identities

  name               = "${var.name_prefix}-browser-${each.key}"
  description        = "Role of ${each.key} identities of the ${var.name_prefix} test web app."
  assume_role_policy = data.aws_iam_policy_document.trust[each.key].json
  tags               = var.tags
}

# One policy for every identity: each reaches only what begins with its own identity id.
data "aws_iam_policy_document" "browser" {
  statement {
    sid       = "UploadOwnIncoming"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${local.bucket_arn}/${var.prefixes.incoming}${local.identity}/*"]
  }

  # Deleting a photo leaves a delete marker (the upload stays recoverable until the bucket's
  # lifecycle expires it); the trigger removes the photo's item and renditions.
  statement {
    sid       = "DeleteOwnIncoming"
    actions   = ["s3:DeleteObject"]
    resources = ["${local.bucket_arn}/${var.prefixes.incoming}${local.identity}/*"]
  }

  # An album's photos, to delete them with it: only keys under the caller's own folder.
  statement {
    sid       = "ListOwnIncoming"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.prefixes.incoming}${local.identity}/*"]
    }
  }

  statement {
    sid       = "ReadOwnRenditions"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/${var.prefixes.thumbnails}${local.identity}/*"]
  }

  # Items and album queries: imageID and albumID (the index's partition key) begin with the id.
  statement {
    sid     = "ReadOwnImages"
    actions = ["dynamodb:GetItem", "dynamodb:Query"]
    resources = [
      var.image_metadata_table.arn,
      "${var.image_metadata_table.arn}/index/${var.image_metadata_table.index_name}",
    ]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["${local.identity}/*"]
    }
  }

  # Albums by id ("<id>/...") and the user's album list (userID = the id).
  statement {
    sid     = "ReadOwnAlbums"
    actions = ["dynamodb:GetItem", "dynamodb:Query"]
    resources = [
      var.album_metadata_table.arn,
      "${var.album_metadata_table.arn}/index/${var.album_metadata_table.index_name}",
    ]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = [local.identity, "${local.identity}/*"]
    }
  }

  statement {
    sid       = "CreateOwnAlbums"
    actions   = ["dynamodb:PutItem"]
    resources = [var.album_metadata_table.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["${local.identity}/*"]
    }
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "dynamodb:Attributes"
      values   = local.album_attributes
    }
  }

  statement {
    sid       = "DeleteOwnAlbums"
    actions   = ["dynamodb:DeleteItem"]
    resources = [var.album_metadata_table.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["${local.identity}/*"]
    }
  }

  # Retry: the function acts only on the caller's own photos (its Cognito identity).
  dynamic "statement" {
    for_each = var.reprocess_function_arn == null ? [] : [var.reprocess_function_arn]
    content {
      sid       = "RetryOwnPhotos"
      actions   = ["lambda:InvokeFunction"]
      resources = [statement.value]
    }
  }

  # Uploads (GenerateDataKey) and reads (Decrypt) of the caller's own objects and items.
  dynamic "statement" {
    for_each = local.kms_statements
    content {
      sid       = statement.value.sid
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [var.encryption.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [statement.value.service]
      }

      condition {
        test     = statement.value.test
        variable = statement.value.context
        values   = statement.value.values
      }

      dynamic "condition" {
        for_each = statement.value.required
        content {
          test     = "StringEquals"
          variable = condition.key
          values   = [condition.value]
        }
      }
    }
  }
}

resource "aws_iam_role_policy" "browser" {
  for_each = local.identities

  name   = "test-web-app"
  role   = aws_iam_role.browser[each.key].id
  policy = data.aws_iam_policy_document.browser.json
}

resource "aws_cognito_identity_pool_roles_attachment" "this" {
  identity_pool_id = aws_cognito_identity_pool.this.id
  roles            = { for k, r in aws_iam_role.browser : k => r.arn }
}
