"""Quiet hours in the local stack: an email due inside them leaves when they end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from nurtureflow.workflow.schedule import next_slot
from tests.integration.conftest import MARKETER, Harness


def test_an_email_due_in_quiet_hours_waits_for_their_end(harness: Harness) -> None:
    now = harness.stack.clock.now()
    start, end = (now - timedelta(hours=1)).strftime("%H:%M"), (now + timedelta(hours=2)).strftime("%H:%M")
    workflow = {
        "schema": "workflow/v1",
        "id": "it-quiet",
        "name": "Quiet",
        "trigger": {"event": "cta_clicked"},
        "settings": {"timezone": "contact", "quiet_hours": {"from": start, "to": end}},
        "start": "hello",
        "steps": {"hello": {"type": "email", "template": "it-quiet"}},
    }
    harness.http("PUT", "/admin/templates/it-quiet", {"subject": "Hello", "html": "<p>x</p>"}, token=MARKETER)
    assert harness.http("PUT", "/admin/workflows/it-quiet", workflow, token=MARKETER).status == 201
    harness.http("POST", "/admin/workflows/it-quiet/activate", token=MARKETER)
    harness.event({"type": "cta_clicked", "email": "fox@example.com", "traits": {"timezone": "UTC"}})
    harness.event({"type": "cta_clicked", "email": "gil@example.com"})  # timezone unknown: not held
    assert harness.sent_to("fox@example.com") == []
    assert len(harness.sent_to("gil@example.com")) == 1
    harness.stack.advance(timedelta(hours=3))
    [email] = harness.sent_to("fox@example.com")
    assert datetime.fromisoformat(email["sent_at"]) == next_slot(now, ZoneInfo("UTC"), end).astimezone(UTC)
    harness.http("POST", "/admin/workflows/it-quiet/pause", token=MARKETER)
