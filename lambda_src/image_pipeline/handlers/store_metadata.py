"""One conditional UpdateItem: metadata, tags, thumbnail, renditions and hashes, moderation
labels and duplicateOf, SUCCEEDED."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline import events
from image_pipeline.config import StoreConfig
from image_pipeline.labels import moderation_labels
from image_pipeline.models import StoreResult
from image_pipeline.observability import handler as observed
from image_pipeline.outcome import store_metadata


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> StoreResult:
    config = StoreConfig.from_env()
    return store_metadata(
        config.table_name,
        image_id=events.text(event, "imageID"),
        execution_name=events.execution_name(event),
        execution_arn=events.optional_text(event, "executionArn") or None,
        metadata=events.stored_metadata(event),
        tags=events.tags(event.get("tags")),
        # GenerateThumbnail's output as ``renditions``; ``thumbnail`` alone (a definition
        # from before renditions) is still stored as it was.
        thumbnail=events.thumbnail(event.get("thumbnail") or event.get("renditions")),
        renditions=events.renditions(event.get("renditions")),
        # The moderation branch's answer, when the state machine has one.
        moderation_labels=moderation_labels(event.get("moderationLabels")),
        hash_index=config.hash_index,
        duplicate_max_distance=config.duplicate_max_distance,
    )
