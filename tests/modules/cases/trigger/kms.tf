module "trigger" {
  source = "../../modules/trigger"

  name_prefix = "photos-dev"
  package = {
    functions_zip = "build/lambda/functions.zip"
    layer_arn     = "arn:aws:lambda:eu-west-1:123456789012:layer:photos-dev-dependencies:1"
  }
  bucket_name = "photos-dev-photos"
  prefixes    = { incoming = "Incoming/", thumbnails = "Thumbnails/" }
  image_metadata_table = {
    name       = "photos-dev-ImageMetadata"
    arn        = "arn:aws:dynamodb:eu-west-1:123456789012:table/photos-dev-ImageMetadata"
    index_name = "albumID-uploadTime-index"
  }
  state_machine_arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:photos-dev-image-processing"
  encryption = {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  }
  function = {
    reserved_concurrent_executions = 3
  }
}
