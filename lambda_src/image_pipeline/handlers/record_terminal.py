"""The backstop: an execution that ended FAILED, TIMED_OUT or ABORTED leaves its item FAILED.

STANDARD: the EventBridge "Execution Status Change" event. EXPRESS (no such event): the
state machine's log group, through a subscription filter on its bad endings.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_pipeline import events
from image_pipeline.config import TerminalConfig
from image_pipeline.models import TerminalResult
from image_pipeline.observability import handler as observed
from image_pipeline.outcome import record_logged_endings, record_terminal


@observed
def handler(event: dict[str, Any], context: LambdaContext) -> TerminalResult | list[TerminalResult]:
    config = TerminalConfig.from_env()
    if isinstance(event, dict) and "awslogs" in event:
        endings = events.logged_endings(event)
        return record_logged_endings(
            config.table_name, config.execution_index, config.state_machine_arn, endings
        )
    ended = events.terminal_event(event)
    return record_terminal(config.table_name, config.state_machine_arn, ended)
