# encryption.create_kms_key: one customer managed key for the data (bucket, tables, dead-letter
# queue) and the log groups, created here and passed to every part as encryption.kms_key_arn.
locals {
  create_kms_key = var.encryption.create_kms_key
  encryption = {
    kms_key_arn = local.create_kms_key ? aws_kms_key.this[0].arn : var.encryption.kms_key_arn
    logs        = var.encryption.logs
  }
}

data "aws_partition" "current" {
  count = local.create_kms_key ? 1 : 0
}

data "aws_region" "current" {
  count = local.create_kms_key ? 1 : 0
}

data "aws_caller_identity" "current" {
  count = local.create_kms_key ? 1 : 0
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:A key policy's resource is always the key itself ("*"); the account root keeps administration, as AWS's default key policy does.
  #checkov:skip=CKV_AWS_111:A key policy's resource is always the key itself ("*").
  #checkov:skip=CKV_AWS_356:A key policy's resource is always the key itself ("*").
  count = local.create_kms_key ? 1 : 0

  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current[0].partition}:iam::${data.aws_caller_identity.current[0].account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${data.aws_region.current[0].name}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${data.aws_partition.current[0].partition}:logs:${data.aws_region.current[0].name}:${data.aws_caller_identity.current[0].account_id}:*"]
    }
  }

  # EventBridge writes the status-change backstop's undeliverable events to its dead-letter
  # queue, encrypted with this key, as itself (not through a role): only for this pipeline's rules.
  statement {
    sid       = "EventBridgeDeadLetters"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current[0].account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current[0].partition}:events:${data.aws_region.current[0].name}:${data.aws_caller_identity.current[0].account_id}:rule/${var.name_prefix}-*"]
    }
  }
}

resource "aws_kms_key" "this" {
  count = local.create_kms_key ? 1 : 0

  description             = "${var.name_prefix}: photos, tables, dead-letter queue and logs."
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms[0].json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  count = local.create_kms_key ? 1 : 0

  name          = "alias/${var.name_prefix}"
  target_key_id = aws_kms_key.this[0].key_id
}
