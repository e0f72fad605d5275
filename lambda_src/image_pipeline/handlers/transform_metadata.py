"""Raw metadata -> the stored shape."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline import events
from image_pipeline.models import StoredMetadata
from image_pipeline.observability import handler as observed
from image_pipeline.transform import transform_metadata


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> StoredMetadata:
    return transform_metadata(events.fields(event, "raw metadata"))
