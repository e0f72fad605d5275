data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  # S3 names are global: the account and region keep the default from colliding with anyone's.
  default_bucket_name = "${var.name_prefix}-photos-${data.aws_caller_identity.current.account_id}-${data.aws_region.current.name}"
  bucket_name         = coalesce(var.bucket.name, local.default_bucket_name)
  # Names and ARNs built as AWS builds them: policies and every consumer's inputs are known at plan
  # time, whether the bucket and tables are created here or brought.
  bucket_arn = "arn:${data.aws_partition.current.partition}:s3:::${local.bucket_name}"
  kms        = var.encryption.kms_key_arn != null
  _table_arn = "arn:${data.aws_partition.current.partition}:dynamodb:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:table"

  # The one place the tables' names and index names are written; every module takes these objects.
  image_metadata_table = {
    name       = coalesce(var.tables.image_metadata_name, "${var.name_prefix}-ImageMetadata")
    index_name = "albumID-uploadTime-index"
    # Which item an execution owns, for the EXPRESS backstop (its log events name only the execution).
    execution_index_name = "executionName-index"
    # An owner's photos with their hashes, for duplicates (only items that have a contentHash).
    hash_index_name = "userID-contentHash-index"
  }
  album_metadata_table = {
    name       = coalesce(var.tables.album_metadata_name, "${var.name_prefix}-AlbumMetadata")
    index_name = "userID-creationTime-index"
  }
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:Access logging needs a separate log bucket owned by the estate; left to the caller.
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice of the caller, not of this module.
  #checkov:skip=CKV2_AWS_62:Event notifications are configured by the trigger module (a bucket has one notification configuration).
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES256) is the default; encryption.kms_key_arn switches to aws:kms.
  count = var.bucket.create ? 1 : 0

  bucket        = local.bucket_name
  force_destroy = var.bucket.force_destroy
  tags          = var.tags

  lifecycle {
    precondition {
      condition     = length(local.bucket_name) <= 63
      error_message = "The default bucket name <name_prefix>-photos-<account>-<region> is longer than 63 characters: set bucket.name."
    }
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  count = var.bucket.create ? 1 : 0

  bucket                  = aws_s3_bucket.this[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  count = var.bucket.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "this" {
  count = var.bucket.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  count = var.bucket.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.kms ? "aws:kms" : "AES256"
      kms_master_key_id = var.encryption.kms_key_arn
    }
    bucket_key_enabled = local.kms
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  count = var.bucket.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.bucket.noncurrent_version_expiration_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = var.bucket.abort_incomplete_upload_days
    }
  }
}

resource "aws_s3_bucket_cors_configuration" "this" {
  count = var.bucket.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  cors_rule {
    allowed_headers = ["*"]
    # POST starts and completes multipart uploads (large photos from the browser); DELETE
    # removes a user's own photo (the browser role allows it under their own folder only).
    allowed_methods = ["PUT", "POST", "GET", "HEAD", "DELETE"]
    allowed_origins = var.bucket.cors_allowed_origins
    expose_headers  = ["ETag"]
    max_age_seconds = 3000
  }
}

data "aws_iam_policy_document" "bucket" {
  count = var.bucket.create ? 1 : 0

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.bucket_arn, "${local.bucket_arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  count = var.bucket.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  policy = data.aws_iam_policy_document.bucket[0].json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_dynamodb_table" "image_metadata" {
  #checkov:skip=CKV_AWS_28:Point-in-time recovery is on by default (tables.point_in_time_recovery = true); checkov cannot resolve optional() object defaults.
  #checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS owned key by default; encryption.kms_key_arn switches to a customer managed key.
  count = var.tables.create ? 1 : 0

  name                        = local.image_metadata_table.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "imageID"
  deletion_protection_enabled = var.tables.deletion_protection

  attribute {
    name = "imageID"
    type = "S"
  }

  attribute {
    name = "albumID"
    type = "S"
  }

  attribute {
    name = "uploadTime"
    type = "N"
  }

  global_secondary_index {
    name            = local.image_metadata_table.index_name
    hash_key        = "albumID"
    range_key       = "uploadTime"
    projection_type = "ALL"
  }

  attribute {
    name = "executionName"
    type = "S"
  }

  global_secondary_index {
    name            = local.image_metadata_table.execution_index_name
    hash_key        = "executionName"
    projection_type = "KEYS_ONLY"
  }

  attribute {
    name = "userID"
    type = "S"
  }

  attribute {
    name = "contentHash"
    type = "S"
  }

  # Sparse: an item enters once store_metadata has written its hashes.
  global_secondary_index {
    name               = local.image_metadata_table.hash_index_name
    hash_key           = "userID"
    range_key          = "contentHash"
    projection_type    = "INCLUDE"
    non_key_attributes = ["perceptualHash", "uploadTime", "processingStatus", "duplicateOf"]
  }

  point_in_time_recovery {
    enabled = var.tables.point_in_time_recovery
  }

  server_side_encryption {
    enabled     = local.kms
    kms_key_arn = var.encryption.kms_key_arn
  }

  tags = var.tags
}

resource "aws_dynamodb_table" "album_metadata" {
  #checkov:skip=CKV_AWS_28:Point-in-time recovery is on by default (tables.point_in_time_recovery = true); checkov cannot resolve optional() object defaults.
  #checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS owned key by default; encryption.kms_key_arn switches to a customer managed key.
  count = var.tables.create ? 1 : 0

  name                        = local.album_metadata_table.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "albumID"
  deletion_protection_enabled = var.tables.deletion_protection

  attribute {
    name = "albumID"
    type = "S"
  }

  attribute {
    name = "userID"
    type = "S"
  }

  attribute {
    name = "creationTime"
    type = "N"
  }

  global_secondary_index {
    name            = local.album_metadata_table.index_name
    hash_key        = "userID"
    range_key       = "creationTime"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = var.tables.point_in_time_recovery
  }

  server_side_encryption {
    enabled     = local.kms
    kms_key_arn = var.encryption.kms_key_arn
  }

  tags = var.tags
}
