"""Labels of an S3 image (the version start_execution saw): ``[{name, confidence}]``; with
``rendition`` (Rekognition refused the object) of a reduced rendition of it; with
``moderation``, its moderation labels instead (``[{name, confidence, parentName?}]``)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline import events
from image_pipeline.config import LabelConfig
from image_pipeline.labels import detect_labels, detect_moderation_labels
from image_pipeline.models import Label, ModerationLabel
from image_pipeline.observability import handler as observed


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> list[Label] | list[ModerationLabel]:
    image = events.s3_location(event)
    config = LabelConfig.from_env()
    if event.get("moderation") is True:
        return detect_moderation_labels(
            image.bucket,
            image.key,
            version_id=image.version_id,
            min_confidence=config.moderation_min_confidence,
            max_image_pixels=config.max_image_pixels,
            max_object_bytes=config.max_object_bytes,
            rendition=event.get("rendition") is True,
        )
    return detect_labels(
        image.bucket,
        image.key,
        version_id=image.version_id,
        max_labels=config.max_labels,
        min_confidence=config.min_confidence,
        max_image_pixels=config.max_image_pixels,
        max_object_bytes=config.max_object_bytes,
        rendition=event.get("rendition") is True,
    )
