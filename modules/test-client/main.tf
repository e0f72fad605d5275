data "aws_region" "current" {}

locals {
  bucket_arn = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket_name}"
  # Identity pool names allow letters, digits, underscores and spaces only.
  identity_pool_name = replace("${var.name_prefix} image pipeline", "-", "_")

  identities = merge(
    { authenticated = "authenticated" },
    var.allow_unauthenticated_identities ? { unauthenticated = "unauthenticated" } : {},
  )
}

data "aws_partition" "current" {}

resource "aws_cognito_identity_pool" "this" {
  #checkov:skip=CKV_AWS_366:The test web app has no sign-in, as the reference sample; guest access is a variable (allow_unauthenticated_identities) and the guest role only reaches its own prefixes, tables and one function.
  identity_pool_name               = local.identity_pool_name
  allow_unauthenticated_identities = var.allow_unauthenticated_identities
  allow_classic_flow               = false
  tags                             = var.tags
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

data "aws_iam_policy_document" "browser" {
  statement {
    sid       = "UploadIncoming"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/${var.prefixes.incoming}*"]
  }

  statement {
    sid       = "ReadThumbnails"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/${var.prefixes.thumbnails}*"]
  }

  statement {
    sid     = "ReadTables"
    actions = ["dynamodb:GetItem", "dynamodb:Query"]
    resources = [
      var.image_metadata_table.arn,
      "${var.image_metadata_table.arn}/index/${var.image_metadata_table.index_name}",
      var.album_metadata_table.arn,
      "${var.album_metadata_table.arn}/index/${var.album_metadata_table.index_name}",
    ]
  }

  statement {
    sid       = "CreateAlbums"
    actions   = ["dynamodb:PutItem"]
    resources = [var.album_metadata_table.arn]
  }

  statement {
    sid       = "DescribeExecution"
    actions   = ["lambda:InvokeFunction"]
    resources = [var.describe_execution_function.arn]
  }

  dynamic "statement" {
    for_each = var.encryption.kms_key_arn == null ? [] : [var.encryption.kms_key_arn]
    content {
      sid       = "DataKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
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
