"""Double opt-in over HTTP: a signup gets a confirmation email, the website posts consent_confirmed,
and a newsletter workflow with ``settings.consent: double_opt_in`` mails only the confirmed contact."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import LocalClient

pytestmark = pytest.mark.e2e
ADMIN, MARKETER, SITE = "local-admin-token", "local-marketer-token", "local-site-key"
SIGNUP = {"field": "event.form", "op": "eq", "value": "doi-signup"}
CONFIRM = {
    "schema": "workflow/v1",
    "id": "doi-confirm-address",
    "name": "Confirm your address",
    "trigger": {"event": "form_submitted", "where": SIGNUP},
    "start": "confirm",
    "steps": {
        "confirm": {"type": "email", "template": "doi-e2e-confirm", "next": "confirmed"},
        "confirmed": {
            "type": "wait_for",
            "event": "consent_confirmed",
            "timeout": "P2D",
            "next": "done",
            "on_timeout": "done",
        },
        "done": {"type": "exit"},
    },
}
NEWSLETTER = {
    "schema": "workflow/v1",
    "id": "doi-newsletter",
    "name": "Newsletter",
    "trigger": {"event": "form_submitted", "where": SIGNUP},
    "settings": {"consent": "double_opt_in"},
    "start": "later",
    "steps": {
        "later": {"type": "wait", "for": "P3D", "next": "issue"},
        "issue": {"type": "email", "template": "doi-e2e-issue"},
    },
}


def _emails_to(stack: LocalClient, address: str) -> list[dict[str, Any]]:
    return [e for e in stack.call("GET", "/_local/outbox").json()["emails"] if e["to"] == address]


def _post(stack: LocalClient, event: dict[str, Any]) -> None:
    assert stack.call("POST", "/v1/events", event, headers={"X-Site-Key": SITE}).status == 202


def test_only_the_contact_who_confirmed_gets_the_double_opt_in_newsletter(stack: LocalClient) -> None:
    for template, subject in (("doi-e2e-confirm", "Please confirm"), ("doi-e2e-issue", "Issue 1")):
        body = {"subject": subject, "html": '<p>Hi <a href="{{ unsubscribe_url }}">unsubscribe</a></p>'}
        assert stack.call("PUT", f"/admin/templates/{template}", body, token=MARKETER).status == 201
    for workflow in (CONFIRM, NEWSLETTER):
        assert stack.call("PUT", f"/admin/workflows/{workflow['id']}", workflow, token=MARKETER).status == 201
        assert stack.call("POST", f"/admin/workflows/{workflow['id']}/activate", token=MARKETER).status == 200
    for address in ("yes@example.com", "silent@example.com"):
        _post(stack, {"type": "form_submitted", "email": address, "properties": {"form": "doi-signup"}})
    # The confirmation email of the double opt-in itself goes to both: that workflow has no setting.
    assert [e["subject"] for e in _emails_to(stack, "yes@example.com")] == ["Please confirm"]
    assert [e["subject"] for e in _emails_to(stack, "silent@example.com")] == ["Please confirm"]
    stack.call("POST", "/_local/clock", {"advance": "PT1H"})
    wording = "Yes, send me the newsletter"
    _post(
        stack,
        {
            "id": "confirm-yes-1",
            "type": "consent_confirmed",
            "email": "yes@example.com",
            "properties": {"wording": wording, "source": "confirmation link"},
        },
    )
    stack.call("POST", "/_local/clock", {"advance": "P4D"})
    assert [e["subject"] for e in _emails_to(stack, "yes@example.com")] == ["Please confirm", "Issue 1"]
    assert [e["subject"] for e in _emails_to(stack, "silent@example.com")] == ["Please confirm"]
    confirmed = stack.call("GET", "/admin/contacts/yes@example.com", token=ADMIN).json()
    consent = confirmed["consent"] if "consent" in confirmed else confirmed["contact"]["consent"]
    assert consent["status"] == "confirmed"
    assert (consent["event_type"], consent["wording"], consent["source"]) == (
        "consent_confirmed",
        wording,
        "confirmation link",
    )
    silent = stack.call("GET", "/admin/contacts/silent@example.com", token=ADMIN).json()
    # Skipped, and the run went on to its end rather than failing.
    [run] = [r for r in silent["runs"] if r["workflow"] == "doi-newsletter"]
    assert run["status"] == "completed"
