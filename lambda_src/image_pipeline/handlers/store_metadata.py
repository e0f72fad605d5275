"""One conditional UpdateItem: metadata, tags, thumbnail, SUCCEEDED."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline.config import TableConfig
from image_pipeline.observability import handler as observed
from image_pipeline.outcome import store_metadata


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return store_metadata(event, TableConfig.from_env().table_name)
