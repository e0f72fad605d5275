"""S3 ObjectCreated under Incoming/ -> ImageMetadata item and one state machine execution."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline.observability import handler as observed
from image_pipeline.trigger import start_executions


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return start_executions(event).as_dict()
