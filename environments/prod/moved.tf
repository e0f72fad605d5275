# State written before the root module existed: the parts moved under module.image_pipeline.
moved {
  from = module.storage
  to   = module.image_pipeline.module.storage
}

moved {
  from = module.pipeline
  to   = module.image_pipeline.module.pipeline
}

moved {
  from = module.trigger
  to   = module.image_pipeline.module.trigger
}

# The key prod created itself (kms.tf) before the root module did (encryption.create_kms_key).
moved {
  from = aws_kms_key.this
  to   = module.image_pipeline.aws_kms_key.this[0]
}

moved {
  from = aws_kms_alias.this
  to   = module.image_pipeline.aws_kms_alias.this[0]
}
