"""A wait until a time of day, played over HTTP: the email leaves at the slot, not a minute before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import LocalClient

pytestmark = pytest.mark.e2e
MARKETER, SITE = "local-marketer-token", "local-site-key"
WORKFLOW = {
    "schema": "workflow/v1",
    "id": "morning-digest",
    "name": "Morning digest",
    "trigger": {"event": "form_submitted", "where": {"field": "event.form", "op": "eq", "value": "digest"}},
    "settings": {"timezone": "Europe/Paris"},
    "start": "morning",
    "steps": {
        "morning": {"type": "wait", "until_time": {"time": "09:00"}, "next": "digest"},
        "digest": {"type": "email", "template": "digest"},
    },
}


def test_the_email_waits_for_the_next_9am_in_the_workflows_timezone(stack: LocalClient) -> None:
    assert (
        stack.call(
            "PUT",
            "/admin/templates/digest",
            {"subject": "Your digest", "html": "<p>News</p>"},
            token=MARKETER,
        ).status
        == 201
    )
    assert stack.call("PUT", "/admin/workflows/morning-digest", WORKFLOW, token=MARKETER).status == 201
    assert stack.call("POST", "/admin/workflows/morning-digest/activate", token=MARKETER).status == 200
    now = datetime.fromisoformat(stack.call("GET", "/_local/health").json()["now"])
    paris = now.astimezone(ZoneInfo("Europe/Paris"))
    slot = paris.replace(hour=9, minute=0, second=0, microsecond=0)
    if slot <= paris:
        slot += timedelta(days=1)
    event = {"type": "form_submitted", "email": "uma@example.com", "properties": {"form": "digest"}}
    assert stack.call("POST", "/v1/events", event, headers={"X-Site-Key": SITE}).status == 202

    def sent() -> list[dict[str, str]]:
        return [
            e for e in stack.call("GET", "/_local/outbox").json()["emails"] if e["to"] == "uma@example.com"
        ]

    almost = int((slot.astimezone(UTC) - now).total_seconds()) - 60
    stack.call("POST", "/_local/clock", {"advance": f"PT{almost}S"})
    assert sent() == []
    stack.call("POST", "/_local/clock", {"advance": "PT2M"})
    [email] = sent()
    assert datetime.fromisoformat(email["sent_at"]) == slot.astimezone(UTC)
