"""processingStatus=FAILED with the error name and a short cause."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline.config import TableConfig
from image_pipeline.observability import handler as observed
from image_pipeline.outcome import record_failure


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return record_failure(event, TableConfig.from_env().table_name)
