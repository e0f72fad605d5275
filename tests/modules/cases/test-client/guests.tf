module "test_client" {
  source = "../../modules/test-client"

  name_prefix                      = "photos-dev"
  allow_unauthenticated_identities = true
  bucket_name                      = "photos-dev-photos"
  prefixes                         = { incoming = "Incoming/", thumbnails = "Thumbnails/" }
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
}
