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
