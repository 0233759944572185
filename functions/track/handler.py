"""Tracking: website events, email opens, clicks and unsubscribes (HTTP), SES notifications, and
mail to the List-Unsubscribe mailbox (an SES receipt rule's Lambda action)."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from nurtureflow import wiring
from nurtureflow.api.track_app import app
from nurtureflow.tracing import traced

logger = Logger()


def _received_mail(event: dict[str, Any]) -> dict[str, Any]:
    # Loaded here: Powertools' Parser and its SES models were a sixth of this function's cold start,
    # and only the rare mail to the unsubscribe mailbox needs them.
    from aws_lambda_powertools.utilities.parser import ValidationError, parse
    from aws_lambda_powertools.utilities.parser.models import SesModel

    # Never raises for a mail it cannot use: SES invokes asynchronously, nobody would read the error.
    try:
        records = parse(event=event, model=SesModel).Records
    except ValidationError as error:
        fields = sorted({".".join(map(str, e["loc"])) for e in error.errors(include_input=False)})
        logger.warning("Received mail not understood", extra={"fields": fields[:20]})
        return {"outcomes": ["unreadable"]}
    outcomes = [wiring.mail_unsubscribe().handle(record.ses) for record in records]
    # SES's message id and the outcome only: the addresses and the subject (its token) are not logged.
    for record, outcome in zip(records, outcomes, strict=True):
        logger.info("Received mail", extra={"ses_message_id": record.ses.mail.messageId, "outcome": outcome})
    return {"outcomes": outcomes}


@logger.inject_lambda_context
@traced
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("source") == "aws.ses":
        recorded = wiring.ses_notifications().handle(event.get("detail") or {})
        logger.info("SES notification", extra={"detail_type": event.get("detail-type"), "recorded": recorded})
        return {"recorded": recorded}
    if (event.get("Records") or [{}])[0].get("eventSource") == "aws:ses":
        return _received_mail(event)
    return app.resolve(event, context)
