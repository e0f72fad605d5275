# Local only: users sign up and sign in from the web app with no email to read (no mailbox on a
# laptop), through a PreSignUp trigger that confirms them. Never in a module.
locals {
  auto_confirm_name = "${var.name_prefix}-auto-confirm-sign-up"
}

data "aws_iam_policy_document" "auto_confirm_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "auto_confirm" {
  name               = "${local.auto_confirm_name}-role"
  assume_role_policy = data.aws_iam_policy_document.auto_confirm_assume.json
}

# Owned here, so destroy leaves nothing behind.
resource "aws_cloudwatch_log_group" "auto_confirm" {
  #checkov:skip=CKV_AWS_338:Local emulator only: a day of logs.
  #checkov:skip=CKV_AWS_158:Local emulator only: no customer managed key.
  name              = "/aws/lambda/${local.auto_confirm_name}"
  retention_in_days = 1
}

resource "aws_lambda_function" "auto_confirm" {
  #checkov:skip=CKV_AWS_116:A Cognito trigger is invoked synchronously; Cognito reports its failure to the caller.
  #checkov:skip=CKV_AWS_117:Reaches nothing: it only answers Cognito.
  #checkov:skip=CKV_AWS_115:Local emulator only.
  #checkov:skip=CKV_AWS_173:No environment variables.
  #checkov:skip=CKV_AWS_272:Local emulator only; packages are built reproducibly by tools/package.py.
  #checkov:skip=CKV_AWS_50:Local emulator only: no X-Ray.
  function_name    = local.auto_confirm_name
  description      = "Confirms local users at sign-up."
  role             = aws_iam_role.auto_confirm.arn
  handler          = "image_pipeline.handlers.auto_confirm_sign_up.handler"
  runtime          = var.runtime
  architectures    = ["x86_64"]
  filename         = module.image_pipeline.package.functions_zip # the root module names the zip
  source_code_hash = module.image_pipeline.package.functions_hash

  depends_on = [aws_cloudwatch_log_group.auto_confirm]
}

resource "aws_lambda_permission" "auto_confirm" {
  statement_id  = "AllowCognitoPreSignUp"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.auto_confirm.function_name
  principal     = "cognito-idp.amazonaws.com"
  source_arn    = module.image_pipeline.user_pool_arn
}
