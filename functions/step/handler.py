"""Workflow steps that need live data: branch, split, timed waits, wait_for, update and task."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from nurtureflow import wiring
from nurtureflow.aws.errors import transient_as_retryable
from nurtureflow.tracing import traced

logger = Logger()


@logger.inject_lambda_context
@traced
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with transient_as_retryable():  # passing AWS failures: the state machine retries them
        return wiring.step_actions().perform(event)
