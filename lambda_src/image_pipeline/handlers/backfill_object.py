"""One object of the backfill's Distributed Map: its item written PENDING and what to start;
or, given the Catch of a start that failed (``startError``), the item recorded FAILED."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline import events
from image_pipeline.config import RunConfig
from image_pipeline.models import BackfillDecision, BackfillFailure
from image_pipeline.observability import handler as observed
from image_pipeline.reprocess import backfill_object, backfill_start_failed


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> BackfillDecision | BackfillFailure:
    if isinstance(event, dict) and "startError" in event:
        return backfill_start_failed(RunConfig.from_env(), *events.backfill_start_failure(event))
    key, backfill_execution, everything, prefix = events.backfill_item(event)
    return backfill_object(RunConfig.from_env(), key, backfill_execution, everything, prefix)
