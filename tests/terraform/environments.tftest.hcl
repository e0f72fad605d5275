# Every environment and example planned with the real provider's schema and a mocked provider, so
# no AWS account is needed: `terraform test -test-directory=tests/terraform` from the repository
# root. tests/modules/test_terraform_test.py runs it in make test and also checks each run's plan
# against tests/modules/inventories/terraform-test/<run>.yaml.

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  # A mocked document's JSON would be random (and rejected as a policy); the policies themselves
  # are checked by the plan tests against the emulator, where the provider renders them for real.
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

run "local" {
  command = plan
  module {
    source = "./environments/local"
  }
  variables {
    package_dir = "./tests/terraform/packages"
    runtime     = "python3.13"
  }

  assert {
    condition     = output.bucket_name == "image-pipeline-local-photos-123456789012-eu-west-1"
    error_message = "The default bucket name carries the account and the region."
  }
  assert {
    condition     = output.webapp_config.endpoint == "http://127.0.0.1:4566" && output.webapp_config.albumIndex == "albumID-uploadTime-index"
    error_message = "The local web app talks to the emulator and queries the storage module's index."
  }
  assert {
    condition     = output.function_names.start_execution == "image-pipeline-local-start-execution" && output.function_names.record_terminal == "image-pipeline-local-record-terminal" && output.function_names.reprocess == "image-pipeline-local-reprocess" && output.function_names.backfill_object == "image-pipeline-local-backfill-object" && length(output.function_names) == 11
    error_message = "Eleven functions, start_execution, record_terminal, reprocess and backfill_object among them."
  }
  assert {
    condition     = output.backfill_state_machine_arn == "arn:aws:states:eu-west-1:123456789012:stateMachine:image-pipeline-local-backfill"
    error_message = "The backfill state machine is on by default; its ARN is built from its name at plan time."
  }
  assert {
    condition     = aws_lambda_function.auto_confirm.filename == "./tests/terraform/packages/functions.zip" && aws_lambda_function.auto_confirm.source_code_hash == filebase64sha256("./tests/terraform/packages/functions.zip")
    error_message = "The sign-up function runs the functions zip the root module names (its package output)."
  }
}

run "dev" {
  command = plan
  module {
    source = "./environments/dev"
  }
  variables {
    package_dir = "./tests/terraform/packages"
  }

  assert {
    condition     = output.bucket_name == "image-pipeline-dev-photos-123456789012-eu-west-1"
    error_message = "The default bucket name carries the account and the region."
  }
  assert {
    condition     = output.state_machine_arn == "arn:aws:states:eu-west-1:123456789012:stateMachine:image-pipeline-dev-image-processing"
    error_message = "The state machine ARN is built from its name at plan time."
  }
  assert {
    condition     = output.webapp_config != null && output.webapp_config.endpoint == null
    error_message = "dev deploys the test client, against AWS itself."
  }
}

run "prod" {
  command = plan
  module {
    source = "./environments/prod"
  }
  variables {
    package_dir = "./tests/terraform/packages"
  }
  # Known at plan time, so the inventory shows the key wired into every encrypted resource.
  override_resource {
    target          = module.image_pipeline.aws_kms_key.this
    override_during = plan
    values = {
      arn    = "arn:aws:kms:eu-west-1:123456789012:key/prod"
      key_id = "prod"
    }
  }

  assert {
    condition     = output.webapp_config == null
    error_message = "prod has no test client."
  }
  assert {
    condition     = output.kms_key_arn == "arn:aws:kms:eu-west-1:123456789012:key/prod"
    error_message = "prod's key is the one the root module creates (encryption.create_kms_key); its rotation and deletion window are in the inventory."
  }
  assert {
    condition     = output.image_metadata_table_name == "image-pipeline-prod-ImageMetadata"
    error_message = "Table names come from the name prefix."
  }
}

run "example_existing_bucket" {
  command = plan
  module {
    source = "./examples/existing-bucket"
  }
  variables {
    package_dir = "./tests/terraform/packages"
  }

  assert {
    condition     = output.image_metadata_table_name == "estate-images-ImageMetadata"
    error_message = "The example creates its tables."
  }
}

run "example_storage_only" {
  command = plan
  module {
    source = "./examples/storage-only"
  }

  assert {
    condition     = output.bucket_name == "estate-photos-photos-123456789012-eu-west-1"
    error_message = "The storage module alone names its bucket after the account and region."
  }
  assert {
    condition     = output.image_metadata_table.index_name == "albumID-uploadTime-index"
    error_message = "The table object carries its index name."
  }
}
