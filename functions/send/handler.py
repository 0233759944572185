"""The email step: send at most once per run and step, whatever Lambda or Step Functions retries.

Once-only is the send record's conditional claim (``sending.delivery``), not Powertools
Idempotency: that deletes its record when the handler raises, so a failure after SES accepted the
email let the retry send it again, and it turns a concurrent duplicate into a failed run.
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from nurtureflow import wiring
from nurtureflow.aws.errors import transient_as_retryable
from nurtureflow.sending.delivery import Delivery, SendRequest
from nurtureflow.store import once
from nurtureflow.tracing import traced

logger = Logger()


@logger.inject_lambda_context
@traced
def handler(
    event: dict[str, Any], context: LambdaContext, delivery: Delivery | None = None
) -> dict[str, Any]:
    # The send's event, ledger line and stats are written together, in one transaction, at the end.
    with transient_as_retryable(), once.together():  # passing AWS failures: the state machine retries them
        return (delivery or wiring.delivery()).send(SendRequest.from_payload(event))
