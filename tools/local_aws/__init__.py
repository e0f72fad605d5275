"""A local AWS for this project: moto in server mode, where Lambda code and state machines run."""

DEFAULT_PORT = 4566
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
