module "test_client" {
  source = "../../modules/test-client"

  name_prefix = "photos-dev"
  bucket_name = "photos-dev-photos"
  prefixes    = { incoming = "Incoming/", thumbnails = "Thumbnails/" }
  image_metadata_table = {
    name       = "photos-dev-ImageMetadata"
    arn        = "arn:aws:dynamodb:eu-west-1:123456789012:table/photos-dev-ImageMetadata"
    index_name = "albumID-uploadTime-index"
  }
  album_metadata_table = {
    name       = "photos-dev-AlbumMetadata"
    arn        = "arn:aws:dynamodb:eu-west-1:123456789012:table/photos-dev-AlbumMetadata"
    index_name = "userID-creationTime-index"
  }
  reprocess_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:photos-dev-reprocess"
  encryption = {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  }
}
