module "pipeline" {
  source = "../../modules/pipeline"

  name_prefix  = "photos-dev"
  runtime      = "python3.11"
  architecture = "x86_64"
  package = {
    functions_zip = "build/lambda/functions.zip"
    layer_zip     = "build/lambda/layer-python3.11-x86_64.zip"
  }
  bucket_name = "photos-dev-photos"
  prefixes    = { incoming = "Incoming/", thumbnails = "Thumbnails/" }
  image_metadata_table = {
    name                 = "photos-dev-ImageMetadata"
    arn                  = "arn:aws:dynamodb:eu-west-1:123456789012:table/photos-dev-ImageMetadata"
    index_name           = "albumID-uploadTime-index"
    execution_index_name = "executionName-index"
    hash_index_name      = "userID-contentHash-index"
  }
  encryption = {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  }
  state_machine = {
    definition_template = "${path.module}/statemachine.json.tftpl"
    type                = "EXPRESS"
  }
  functions = {
    reserved_concurrent_executions = 25
    overrides = {
      generate_thumbnail = { reserved_concurrent_executions = 5 }
      describe_execution = { reserved_concurrent_executions = -1 }
      store_metadata     = { memory_size = 256 }
    }
  }
  image_settings = {
    max_object_bytes = 10485760
  }
}
