"""Every rendition of an S3 image (the version start_execution saw), from one read and one
decode, under Thumbnails/<owner>/<name>/; the thumbnail rendition is also the result's
``{s3Bucket, s3Key, width, height}``, with the hashes and the placeholder."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline import events
from image_pipeline.config import RenditionConfig
from image_pipeline.models import GenerateThumbnailResult
from image_pipeline.observability import handler as observed
from image_pipeline.thumbnails import generate_thumbnail


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> GenerateThumbnailResult:
    image = events.s3_location(event)
    image_id = events.text(event, "imageID")
    return generate_thumbnail(image, image_id, RenditionConfig.from_env())
