"""Fixtures of the Terraform tests (defined in tfharness.py, shared by every test here)."""

from tfharness import aws_endpoint, plan, stage  # noqa: F401
