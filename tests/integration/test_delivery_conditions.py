"""Branches on what the mailbox said about an email: ``delivered``, ``bounced``, ``complained``,
from SES's notifications through the track function (the platform's ``email_delivered``,
``email_bounced`` and ``email_complained`` events, each about one send)."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.conftest import MARKETER, Harness
from tests.integration.test_ses_notifications import _notification

WORKFLOW = {
    "schema": "workflow/v1",
    "id": "it-delivery",
    "name": "Did it arrive?",
    "trigger": {"event": "delivery_tested"},
    "start": "first",
    "steps": {
        "first": {"type": "email", "template": "it-delivery-first", "next": "settle"},
        "settle": {"type": "wait", "for": "PT1H", "next": "arrived"},
        "arrived": {
            "type": "branch",
            "cases": [
                {"when": {"email": "first", "bounced": True}, "next": "gone"},
                {"when": {"email": "first", "complained": True}, "next": "gone"},
                {"when": {"email": "first", "delivered": True}, "next": "thanks"},
            ],
            "default": "again",
        },
        "thanks": {"type": "email", "template": "it-delivery-thanks"},
        "again": {"type": "email", "template": "it-delivery-again"},
        "gone": {"type": "exit"},
    },
}


def test_the_run_follows_what_ses_said_about_its_email(harness: Harness) -> None:
    for name in ("first", "thanks", "again"):
        template = {"subject": name.title(), "html": f"<p>{name}</p>"}
        assert harness.http(
            "PUT", f"/admin/templates/it-delivery-{name}", template, token=MARKETER
        ).status in (200, 201)
    assert harness.http("PUT", "/admin/workflows/it-delivery", WORKFLOW, token=MARKETER).status == 201
    assert harness.http("POST", "/admin/workflows/it-delivery/activate", token=MARKETER).status == 200
    said = {"dc-ana@example.com": "Delivery", "dc-bo@example.com": "Complaint", "dc-cy@example.com": None}
    for address, notification in said.items():
        assert harness.event({"type": "delivery_tested", "email": address}).status == 202
        [first] = harness.sent_to(address)
        if notification is not None:
            harness.stack.lambdas.invoke("track", _notification(first["send_id"], notification))
    harness.stack.advance(timedelta(hours=1, minutes=1))
    subjects = {address: [e["subject"] for e in harness.sent_to(address)] for address in said}
    assert subjects == {
        "dc-ana@example.com": ["First", "Thanks"],
        "dc-bo@example.com": ["First"],  # complained: the run left at "gone"
        "dc-cy@example.com": ["First", "Again"],  # no word from SES: not delivered
    }
