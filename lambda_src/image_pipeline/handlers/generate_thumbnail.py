"""Thumbnail of an S3 image (the version start_execution saw), written to Thumbnails/<imageID>."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline import events
from image_pipeline.config import ThumbnailConfig
from image_pipeline.models import ThumbnailResult
from image_pipeline.observability import handler as observed
from image_pipeline.thumbnails import thumbnail_object


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> ThumbnailResult:
    image = events.s3_location(event)
    image_id = events.text(event, "imageID")
    return thumbnail_object(image, image_id, ThumbnailConfig.from_env())
