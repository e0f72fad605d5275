"""S3 ObjectCreated under Incoming/ -> ImageMetadata item and one state machine execution."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline import events
from image_pipeline.config import StartConfig
from image_pipeline.models import StartOutput
from image_pipeline.observability import handler as observed
from image_pipeline.trigger import start_executions


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> StartOutput:
    notifications = events.s3_notifications(event)
    return start_executions(StartConfig.from_env(), notifications).as_dict()
