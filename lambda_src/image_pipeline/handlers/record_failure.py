"""processingStatus=FAILED with the error name and a short cause."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline import events
from image_pipeline.config import TableConfig
from image_pipeline.models import FailureResult
from image_pipeline.observability import handler as observed
from image_pipeline.outcome import record_failure


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> FailureResult:
    error, cause = events.failure(event)
    return record_failure(
        TableConfig.from_env().table_name,
        image_id=events.text(event, "imageID"),
        execution_name=events.execution_name(event),
        execution_arn=events.optional_text(event, "executionArn") or None,
        error=error,
        cause=cause,
    )
