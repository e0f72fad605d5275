"""The web app's retry: the caller's own photos (by imageID) run through the pipeline again."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline import events
from image_pipeline.config import RunConfig
from image_pipeline.models import RestartOutput
from image_pipeline.observability import handler as observed
from image_pipeline.reprocess import restart_owned, run_id


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> RestartOutput:
    identity = getattr(getattr(context, "identity", None), "cognito_identity_id", None)
    # Named after the request: Lambda's retry of this invocation starts nothing new.
    run = run_id(context.aws_request_id)
    return restart_owned(RunConfig.from_env(), identity, events.image_ids(event), run)
