"""Image pipeline: the library behind every Lambda function and the ``image-pipeline`` CLI."""

__version__ = "0.1.0"
