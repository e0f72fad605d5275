# The local emulator (tools/local_aws): fake keys, every service at one endpoint.
provider "aws" {
  region     = var.region
  access_key = "test"
  secret_key = "test"

  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_requesting_account_id  = false
  s3_use_path_style           = true
  max_retries                 = 5

  endpoints {
    cognitoidentity = var.aws_endpoint_url
    cognitoidp      = var.aws_endpoint_url
    dynamodb        = var.aws_endpoint_url
    events          = var.aws_endpoint_url
    iam             = var.aws_endpoint_url
    kms             = var.aws_endpoint_url
    lambda          = var.aws_endpoint_url
    logs            = var.aws_endpoint_url
    rekognition     = var.aws_endpoint_url
    s3              = var.aws_endpoint_url
    sfn             = var.aws_endpoint_url
    sqs             = var.aws_endpoint_url
    sts             = var.aws_endpoint_url
  }

  default_tags {
    tags = {
      Project     = "image-pipeline"
      Environment = "local"
    }
  }
}
