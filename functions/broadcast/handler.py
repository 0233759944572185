"""The broadcast state machine's tasks: read a page of the segment, send a batch, finish, fail.

Each contact's send goes through ``Delivery`` as a workflow's email does: its send record is
claimed before SES is called, so a retried batch sends nobody twice (see docs/sending.md).
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from nurtureflow import wiring
from nurtureflow.aws.errors import transient_as_retryable
from nurtureflow.sending.delivery import SendRequest
from nurtureflow.tracing import traced

logger = Logger()


def deliver(send: SendRequest) -> dict[str, Any]:
    with transient_as_retryable():
        return wiring.delivery().send(send)


@logger.inject_lambda_context
@traced
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with transient_as_retryable():  # passing AWS failures: the state machine retries them
        return wiring.broadcast_sender(deliver).perform(event)
