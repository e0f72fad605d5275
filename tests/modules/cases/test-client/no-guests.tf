module "test_client" {
  source = "../../modules/test-client"

  name_prefix                      = "photos-dev"
  allow_unauthenticated_identities = false
  bucket_name                      = "photos-dev-photos"
  tables = {
    image_metadata = {
      name = "photos-dev-ImageMetadata"
      arn  = "arn:aws:dynamodb:eu-west-1:123456789012:table/photos-dev-ImageMetadata"
    }
    album_metadata = {
      name = "photos-dev-AlbumMetadata"
      arn  = "arn:aws:dynamodb:eu-west-1:123456789012:table/photos-dev-AlbumMetadata"
    }
  }
  describe_execution_function = {
    name = "photos-dev-describe-execution"
    arn  = "arn:aws:lambda:eu-west-1:123456789012:function:photos-dev-describe-execution"
  }
}
