"""Tracked events reach the trigger function through its intake queue (infra/stack/events.py): in
batches of SQS records whose bodies are the EventBridge events, a failed record reported alone
(https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html, "Implementing
partial batch responses") so that only it is received again."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from nurtureflow import wiring
from nurtureflow.aws.eventbus import DETAIL_TYPE, SOURCE
from nurtureflow.contacts.model import contact_id_for
from nurtureflow.local.queues import sqs_batch
from tests.integration.conftest import MARKETER, SERVER, Harness

WORKFLOW = {
    "schema": "workflow/v1",
    "id": "it-intake",
    "name": "Through the queue",
    "trigger": {"event": "intake_tested"},
    "start": "pause",
    "steps": {"pause": {"type": "wait", "for": "P1D", "next": "end"}, "end": {"type": "exit"}},
}
QUEUE = "arn:aws:sqs:us-east-1:123456789012:intake"


def _envelope(event: dict[str, Any]) -> dict[str, Any]:
    """An EventBridge event as the rule puts it on the queue (the whole event is the body)."""
    return {
        "version": "0", "id": "e-1", "detail-type": DETAIL_TYPE, "source": SOURCE,
        "account": "123456789012", "time": "2026-12-04T10:00:00Z", "region": "us-east-1",
        "resources": [], "detail": event,
    }  # fmt: skip


def _activated(harness: Harness) -> None:
    assert harness.http("PUT", "/admin/workflows/it-intake", WORKFLOW, token=MARKETER).status in (200, 201)
    assert harness.http("POST", "/admin/workflows/it-intake/activate", token=MARKETER).status == 200


def test_a_posted_event_reaches_the_trigger_as_a_queue_message_and_enrols(harness: Harness) -> None:
    _activated(harness)
    seen: list[dict[str, Any]] = []

    def spying(event: dict[str, Any], context: Any) -> Any:
        seen.append(event)
        return original(event, context)

    original = harness.stack.lambdas.replace("trigger", spying)
    event = {"type": "intake_tested", "email": "intake-ana@example.com"}
    try:
        posted = harness.http("POST", "/v1/events", event, token=SERVER)
    finally:
        harness.stack.lambdas.replace("trigger", original)
    assert posted.status == 202
    [record] = next(e["Records"] for e in seen if "Records" in e)
    assert (record["eventSource"], json.loads(record["body"])["detail"]["type"]) == (
        "aws:sqs",
        "intake_tested",
    )
    run = wiring.runs().get(contact_id_for("intake-ana@example.com"), "it-intake")
    assert run is not None
    assert run["status"] == "running"


def test_a_record_the_trigger_fails_on_is_reported_alone_and_the_others_are_handled(harness: Harness) -> None:
    _activated(harness)
    # A contact exists (events from the site's backend make one), then two messages: one whose
    # event cannot be read, one that enrols.
    harness.http(
        "POST", "/v1/events", {"type": "page_viewed", "email": "intake-bo@example.com"}, token=SERVER
    )
    contact = contact_id_for("intake-bo@example.com")
    now = datetime.now(UTC)
    broken = sqs_batch(QUEUE, json.dumps(_envelope({"type": "intake_tested"})), now, "us-east-1")["Records"][
        0
    ]
    good_event = {"id": "intake-bo-1", "type": "intake_tested", "contact_id": contact,
                  "occurred_at": now.isoformat(), "received_at": now.isoformat()}  # fmt: skip
    good = sqs_batch(QUEUE, json.dumps(_envelope(good_event)), now, "us-east-1")["Records"][0]
    answer = harness.stack.lambdas.invoke("trigger", {"Records": [broken, good]})
    assert answer == {"batchItemFailures": [{"itemIdentifier": broken["messageId"]}]}
    run = wiring.runs().get(contact, "it-intake")
    assert run is not None
    assert run["status"] == "running"
