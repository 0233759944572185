"""Tracking: website events, email opens, clicks and unsubscribes (HTTP), and SES notifications."""

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from nurtureflow import wiring
from nurtureflow.api.track_app import app

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("source") == "aws.ses":
        recorded = wiring.ses_notifications().handle(event.get("detail") or {})
        logger.info("SES notification", extra={"detail_type": event.get("detail-type"), "recorded": recorded})
        return {"recorded": recorded}
    return app.resolve(event, context)
