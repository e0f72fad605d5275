"""Status of one execution of this pipeline's state machine (for the web app)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline import events
from image_pipeline.config import DescribeConfig
from image_pipeline.executions import describe
from image_pipeline.models import ExecutionStatus
from image_pipeline.observability import handler as observed


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> ExecutionStatus:
    arn = events.optional_text(event, "executionArn")  # "" is refused: ExecutionNotAllowed
    return describe(DescribeConfig.from_env().state_machine_arn, arn)
