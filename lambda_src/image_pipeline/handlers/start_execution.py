"""S3 ObjectCreated under Incoming/ -> ImageMetadata item and one state machine execution."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline import events
from image_pipeline.config import StartConfig
from image_pipeline.models import BatchResponse, StartOutput
from image_pipeline.observability import handler as observed
from image_pipeline.trigger import redrive, start_executions


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> StartOutput | BatchResponse:
    """An S3 event (asynchronous, from the bucket), or a batch of the dead-letter queue (the
    event source mapping): its S3 events started again, or ended FAILED with StartFailed."""
    config = StartConfig.from_env(start_lease_ms=context.get_remaining_time_in_millis())
    if events.is_sqs_event(event):
        retry = redrive(config, events.dead_letters(event))
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in retry]}
    return start_executions(config, events.s3_notifications(event)).as_dict()
