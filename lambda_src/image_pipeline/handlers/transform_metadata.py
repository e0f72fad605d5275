"""Raw metadata -> the stored shape."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline.observability import handler as observed
from image_pipeline.transform import transform_metadata


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return transform_metadata(event)
