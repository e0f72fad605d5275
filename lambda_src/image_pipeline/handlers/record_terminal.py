"""The backstop: an execution that ended FAILED, TIMED_OUT or ABORTED leaves its item FAILED."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline import events
from image_pipeline.config import TerminalConfig
from image_pipeline.models import TerminalResult
from image_pipeline.observability import handler as observed
from image_pipeline.outcome import record_terminal


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> TerminalResult:
    config = TerminalConfig.from_env()
    ended = events.terminal_event(event)
    return record_terminal(config.table_name, config.state_machine_arn, ended)
