"""best_time against moto: human opens and clicks feed the audience's hours, which place a contact
with no history of its own."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from nurtureflow.runs.send_time import hour_of_week
from tests.integration.conftest import MARKETER, Harness


def test_opens_feed_the_audience_hours_and_a_new_contact_waits_for_the_audiences_best_hour(
    harness: Harness,
) -> None:
    template = {"subject": "Hi", "html": '<p><a href="https://shop.example/x">x</a></p>'}
    harness.http("PUT", "/admin/templates/it-best", template, token=MARKETER)
    reader = "reader@example.com"
    harness.event({"type": "page_viewed", "email": reader})
    run = {"workflow": "it-best", "version": 1, "contact_id": contact_id_for(reader), "enrolment": "e"}
    payload = {
        "action": "email",
        "step": "hello",
        "template": "it-best",
        "entered": "2026-11-23T10:00:00Z",
        "execution": "arn:aws:states:us-east-1:1:execution:m:best-1",
        "run": run,
    }
    assert harness.stack.lambdas.invoke("send", payload)["status"] == "sent"
    [email] = harness.sent_to(reader)
    click = re.search(r'href="(http://[^"]+/t/c/[^"]+)"', email["html"])
    assert click is not None
    clicked_at = harness.stack.clock.now()
    assert harness.http("GET", click.group(1)).status == 302
    cell = hour_of_week(clicked_at, ZoneInfo("UTC"))
    assert wiring.engagement().hours("it-best").get(cell, 0) >= 1

    newcomer = "newcomer@example.com"
    harness.event({"type": "page_viewed", "email": newcomer})
    wait = {
        "action": "wait_until",
        "step": "later",
        "wait": {"best_time": {"within": "P7D"}},
        "timezone": "UTC",
        "execution": "x",
        "run": {**run, "contact_id": contact_id_for(newcomer)},
    }
    until = datetime.fromisoformat(harness.stack.lambdas.invoke("step", wait)["until"])
    now = harness.stack.clock.now()
    assert now <= until <= now + timedelta(days=7)
    assert until.astimezone(UTC).weekday() * 24 + until.astimezone(UTC).hour == cell
