"""The broadcast state machine's tasks: read a page of the segment, send a batch, finish, fail.

Each contact's send goes through the same idempotency as the send function (Powertools
Idempotency keyed by the send id), so a retried batch sends nobody twice.
"""

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from aws_lambda_powertools.utilities.typing import LambdaContext

from nurtureflow import wiring
from nurtureflow.aws.clients import client
from nurtureflow.aws.errors import RetryableError, transient_as_retryable
from nurtureflow.broadcasts.sending import broadcast_send_request
from nurtureflow.sending.delivery import SendRequest

logger = Logger()
tracer = Tracer()
persistence = DynamoDBPersistenceLayer(
    table_name=wiring.tables().idempotency_table, boto3_client=client("dynamodb")
)
config = IdempotencyConfig(event_key_jmespath="send_id", expires_after_seconds=30 * 24 * 3600)


@idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=config)
def deliver_once(request: dict[str, Any]) -> dict[str, Any]:
    broadcast = {k: request[k] for k in ("id", "template", "max_emails_per_day") if request.get(k)}
    return wiring.delivery().send(broadcast_send_request(broadcast, request["contact_id"]))


def deliver(send: SendRequest) -> dict[str, Any]:
    request = {
        "send_id": send.send_id,
        "id": send.run.enrolment,
        "template": send.template,
        "contact_id": send.run.contact_id,
        "max_emails_per_day": send.cap.per_day if send.cap else None,
    }
    try:
        with transient_as_retryable():
            return deliver_once(request=request)
    except IdempotencyAlreadyInProgressError as error:
        raise RetryableError(str(error)) from error  # an earlier attempt is still on it: later


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config.register_lambda_context(context)
    with transient_as_retryable():  # passing AWS failures: the state machine retries them
        return wiring.broadcast_sender(deliver).perform(event)
