"""Thumbnail of an S3 image, written to Thumbnails/<imageID>."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline.config import ThumbnailConfig
from image_pipeline.observability import handler as observed
from image_pipeline.thumbnails import thumbnail_object


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return thumbnail_object(
        event["s3Bucket"], event["s3Key"], event["imageID"], ThumbnailConfig.from_env()
    )
