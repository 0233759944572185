"""Branching on engagement with the workflow's own email, played over HTTP: opens decide the path."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import LocalClient

pytestmark = pytest.mark.e2e
MARKETER, SITE = "local-marketer-token", "local-site-key"
WORKFLOW = {
    "schema": "workflow/v1",
    "id": "newsletter-welcome",
    "name": "Newsletter welcome",
    "trigger": {
        "event": "form_submitted",
        "where": {"field": "event.form", "op": "eq", "value": "newsletter"},
    },
    "start": "welcome",
    "steps": {
        "welcome": {"type": "email", "template": "nl-welcome", "next": "pause"},
        "pause": {"type": "wait", "for": "P2D", "next": "opened"},
        "opened": {
            "type": "branch",
            "cases": [{"when": {"email": "welcome", "opened": True}, "next": "score"}],
            "default": "nudge",
        },
        "score": {"type": "update", "score": 10, "next": "thanks"},
        "thanks": {"type": "email", "template": "nl-thanks"},
        "nudge": {"type": "email", "template": "nl-nudge"},
    },
}
TEMPLATES = {
    "nl-welcome": {
        "subject": "Welcome {{ contact.first_name }}",
        "html": "<html><body><p>Hello</p></body></html>",
    },
    "nl-thanks": {"subject": "Thanks for reading, score {{ contact.score }}", "html": "<p>Thanks</p>"},
    "nl-nudge": {"subject": "Did you miss us?", "html": "<p>Nudge</p>"},
}


def _subjects(stack: LocalClient, to: str) -> list[str]:
    return [e["subject"] for e in stack.call("GET", "/_local/outbox").json()["emails"] if e["to"] == to]


@pytest.fixture(scope="module")
def active(stack: LocalClient) -> LocalClient:
    for template_id, template in TEMPLATES.items():
        assert stack.call("PUT", f"/admin/templates/{template_id}", template, token=MARKETER).status == 201
    assert stack.call("PUT", "/admin/workflows/newsletter-welcome", WORKFLOW, token=MARKETER).status == 201
    assert stack.call("POST", "/admin/workflows/newsletter-welcome/activate", token=MARKETER).status == 200
    return stack


def _subscribe(stack: LocalClient, email: str, name: str, form: str = "newsletter") -> None:
    body: dict[str, Any] = {
        "type": "form_submitted",
        "email": email,
        "traits": {"first_name": name},
        "properties": {"form": form},
    }
    assert stack.call("POST", "/v1/events", body, headers={"X-Site-Key": SITE}).status == 202


def test_an_opened_welcome_leads_to_thanks_and_an_unopened_one_to_a_nudge(active: LocalClient) -> None:
    _subscribe(active, "ola@example.com", "Ola")
    _subscribe(active, "pia@example.com", "Pia")
    _subscribe(active, "quin@example.com", "Quin", form="contact-us")
    assert _subjects(active, "ola@example.com") == ["Welcome Ola"], "the first email goes out at once"
    [welcome] = [
        e for e in active.call("GET", "/_local/outbox").json()["emails"] if e["to"] == "ola@example.com"
    ]
    pixel = re.search(r'<img src="(http://127\.0\.0\.1:\d+/v1/t/o/[^"]+)"', welcome["html"])
    assert pixel is not None
    # A person opens a minute later: an open within seconds of the send is a scanner's (machine open).
    active.call("POST", "/_local/clock", {"advance": "PT1M"})
    assert active.call("GET", pixel.group(1)).status == 200
    active.call("POST", "/_local/clock", {"advance": "P3D"})
    # The step's 10 points, plus the default scoring rules' 10 for the form and 1 for the open.
    assert _subjects(active, "ola@example.com") == ["Welcome Ola", "Thanks for reading, score 21"]
    assert _subjects(active, "pia@example.com") == ["Welcome Pia", "Did you miss us?"]
    assert _subjects(active, "quin@example.com") == [], "another form does not match the trigger's where"
