"""Fixtures of the Terraform tests (defined in tfharness.py, shared by every test here)."""

from tfharness import aws_endpoint, plan, stage, terraform_bin, tf_env  # noqa: F401
