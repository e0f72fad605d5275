"""Labels of an S3 image: ``[{name, confidence}]``."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline.config import LabelConfig
from image_pipeline.labels import detect_labels
from image_pipeline.observability import handler as observed


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> list[dict[str, Any]]:
    config = LabelConfig.from_env()
    return detect_labels(
        event["s3Bucket"], event["s3Key"], config.max_labels, config.min_confidence
    )
