"""Enrolment: tracked events enrol, resume and end runs; the daily run enrols on dates; ended runs
are recorded and costed. Tracked events come in batches from the intake queue; the rest as
EventBridge and Scheduler invoke the function."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from nurtureflow import wiring
from nurtureflow.aws.eventbus import DETAIL_TYPE
from nurtureflow.enrolment.backfill import BackfillPart
from nurtureflow.enrolment.manual import BACKFILL
from nurtureflow.enrolment.manual import DETAIL_TYPE as MANUAL
from nurtureflow.events.model import TrackedEvent
from nurtureflow.store import once
from nurtureflow.tracing import traced

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

logger = Logger()
STATUS_CHANGE = "Step Functions Execution Status Change"


@logger.inject_lambda_context
@traced
def handler(raw: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" in raw:  # tracked events, through the intake queue (infra/stack/events.py)
        return _from_queue(raw, context)
    return _handle(raw, context)


def _from_queue(batch: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Each message is an EventBridge event, handled as if EventBridge had invoked the function;
    one that raises is reported alone, received again after the queue's visibility timeout."""
    # Loaded here: Powertools' batch utility (and its data classes) was a sixth of this function's
    # cold start, and the runs' status changes, the daily run and backfill parts don't need it.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS)

    def one(record: SQSRecord) -> dict[str, Any]:
        return _handle(json.loads(record.body), context)

    return process_partial_response(event=batch, record_handler=one, processor=processor, context=context)


def _handle(raw: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if raw.get("action") == "daily":  # EventBridge Scheduler's daily run
        # Segments are swept in parts (enrolment/backfill.py); date triggers here.
        return {"sweep_parts": wiring.backfill().sweep_segments(), "enrolled": wiring.dispatcher().daily()}
    # An EventBridge event's envelope, read as a dict (Powertools' data class needs no more).
    detail_type, detail = raw.get("detail-type"), raw.get("detail") or {}
    if detail_type == DETAIL_TYPE:
        outcome = wiring.dispatcher().handle(TrackedEvent.model_validate(detail))
        return {"enrolled": outcome.enrolled, "resumed": outcome.resumed, "exited": outcome.exited}
    if detail_type == MANUAL:
        return {
            "enrolled": wiring.dispatcher().enrol_manually(
                detail["workflow"], detail["contacts"], detail["key"]
            )
        }
    if detail_type == BACKFILL:  # include_existing: fanned out in parts (enrolment/backfill.py)
        if "segment" not in detail:
            return {"backfill_parts": wiring.backfill().fan_out(detail["workflow"])}
        done = wiring.backfill().run(
            BackfillPart(**detail), lambda: context.get_remaining_time_in_millis() / 1000
        )
        return {"enrolled": done.enrolled, "throttled": done.throttled, "handed_over": done.handed_over}
    if detail_type == STATUS_CHANGE:
        with once.together():  # the run's stats and its ledger line: one transaction
            wiring.lifecycle().ended(detail)
        return {"recorded": detail.get("executionArn")}
    logger.warning("ignored event", extra={"detail_type": detail_type})
    return {"ignored": detail_type}
