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
    name       = "photos-dev-ImageMetadata"
    arn        = "arn:aws:dynamodb:eu-west-1:123456789012:table/photos-dev-ImageMetadata"
    index_name = "albumID-uploadTime-index"
    # A brought table's own index names (the storage module's are in its outputs).
    execution_index_name = "by-execution-name"
    hash_index_name      = "userID-contentHash-index"
  }
  state_machine = {
    definition_template = "${path.module}/statemachine.json.tftpl"
  }
  backfill = {
    enabled = false
  }
}
