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
  state_machine = {
    definition_template = "${path.module}/statemachine.json.tftpl"
  }
  backfill = {
    max_concurrency              = 50
    tolerated_failure_percentage = 0
    inventory_manifest = {
      bucket_name = "photos-dev-inventory"
      prefix      = "photos-dev-photos/all/"
      kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-1111-1111-1111-111111111111"
    }
  }
}
