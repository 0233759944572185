"""The email step: send once per run and step, whatever Lambda or Step Functions retries."""

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from nurtureflow import wiring
from nurtureflow.aws.clients import client
from nurtureflow.aws.errors import transient_as_retryable
from nurtureflow.sending.delivery import SendRequest, send_id_for

logger = Logger()
tracer = Tracer()
persistence = DynamoDBPersistenceLayer(
    table_name=wiring.tables().idempotency_table, boto3_client=client("dynamodb")
)
config = IdempotencyConfig(event_key_jmespath="send_id", expires_after_seconds=30 * 24 * 3600)


@idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=config)
def deliver(request: dict[str, Any]) -> dict[str, Any]:
    return wiring.delivery().send(SendRequest.from_payload(request))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config.register_lambda_context(context)
    send_id = send_id_for(event["execution"], event["step"], event["entered"])
    with transient_as_retryable():  # passing AWS failures: the state machine retries them
        return deliver(request={**event, "send_id": send_id})
