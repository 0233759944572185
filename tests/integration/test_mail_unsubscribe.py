"""The List-Unsubscribe mailto end to end on the local stack: a workflow's email, its mailto answered
through ``POST /_local/inbound`` (the receipt rule's event, the track function), the next email."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import MARKETER, Harness

TEMPLATE = {"subject": "News", "html": '<p>News <a href="{{ unsubscribe_url }}">unsubscribe</a></p>'}
WORKFLOW = {
    "schema": "workflow/v1",
    "id": "it-mailto",
    "name": "Mailto",
    "trigger": {"event": "it_mailto_joined"},
    "start": "first",
    "steps": {
        "first": {"type": "email", "template": "it-mailto-news", "next": "pause"},
        "pause": {"type": "wait", "for": "P1D", "next": "second"},
        "second": {"type": "email", "template": "it-mailto-news"},
    },
}


def _mailto(email: dict[str, Any]) -> tuple[str, str]:
    """The mailbox and the decoded subject of the email's List-Unsubscribe mailto."""
    found = re.search(r"<mailto:([^?>]+)\?subject=([^>]+)>", email["headers"]["List-Unsubscribe"])
    assert found is not None, email["headers"]["List-Unsubscribe"]
    return unquote(found.group(1)), unquote(found.group(2))


def _mail(harness: Harness, **mail: str) -> list[str]:
    reply = harness.http("POST", "/_local/inbound", mail)
    assert reply.status == 200, reply.body
    return reply.json()["outcomes"]  # type: ignore[no-any-return]


def _unsubscribed(contact_id: str) -> bool:
    contact = wiring.contacts().get(contact_id)
    assert contact is not None
    return contact.unsubscribed


def _unsubscribe_events(contact_id: str) -> list[Any]:
    return [e for e in wiring.events().history(contact_id) if e.type == "unsubscribed"]


def test_the_mailto_unsubscribes_once_and_the_next_email_is_skipped(harness: Harness) -> None:
    uploads = (("/admin/templates/it-mailto-news", TEMPLATE), ("/admin/workflows/it-mailto", WORKFLOW))
    for path, body in uploads:
        assert harness.http("PUT", path, body, token=MARKETER).status in (200, 201)
    assert harness.http("POST", "/admin/workflows/it-mailto/activate", token=MARKETER).status == 200
    address = "mo@example.com"
    contact_id = contact_id_for(address)
    assert harness.event({"type": "it_mailto_joined", "email": address}).status == 202
    [email] = harness.sent_to(address)
    mailbox, subject = _mailto(email)
    assert mailbox == "unsubscribe@shop.internal"
    assert subject.startswith("unsubscribe ")

    # A forged token, a mail the scan failed and a mail without a token change nothing.
    forged = subject[:-6] + ("AAAAAA" if not subject.endswith("AAAAAA") else "BBBBBB")
    assert _mail(harness, to=mailbox, subject=forged) == ["invalid_token"]
    assert _mail(harness, to=mailbox, subject=subject, spam="FAIL") == ["spam"]
    assert _mail(harness, to=mailbox, subject=subject, virus="FAIL") == ["virus"]
    assert _mail(harness, to=mailbox, subject="Please stop") == ["no_token"]
    assert not _unsubscribed(contact_id)
    assert _unsubscribe_events(contact_id) == []

    # The mail a client sends (here a reply, from the recipient); SES may hand it over twice.
    assert _mail(harness, to=mailbox, **{"from": address}, subject=f"Re: {subject}") == ["unsubscribed"]
    assert _mail(harness, to=mailbox, subject=subject) == ["unchanged"]
    assert _unsubscribed(contact_id)
    [event] = _unsubscribe_events(contact_id)
    assert event.properties == {"via": "mail"}
    assert event.send_id == email["send_id"]
    contact = wiring.contacts().get(contact_id)
    assert contact is not None
    assert contact.consent is not None
    assert (contact.consent.status, contact.consent.source) == ("withdrawn", "list_unsubscribe_mailto")

    harness.stack.advance(timedelta(days=1, minutes=5))
    assert len(harness.sent_to(address)) == 1
    sends = [wiring.sends().get(send_id) or {} for send_id in wiring.sends().of_contact(contact_id)]
    second = [s for s in sends if s.get("step") == "second"]
    assert [(s["status"], s["reason"]) for s in second] == [("skipped", "unsubscribed")]


def test_mail_to_another_address_is_not_received(harness: Harness) -> None:
    reply = harness.http("POST", "/_local/inbound", {"to": "sales@shop.example", "subject": "unsubscribe x"})
    assert reply.status == 400
    assert reply.json()["details"][0]["field"] == "to"
    assert harness.http("POST", "/_local/inbound", {"subject": "no recipient"}).status == 400


def test_a_receipt_event_the_model_cannot_read_is_dropped_without_raising(harness: Harness) -> None:
    # No commonHeaders, no receipt: SES's async invocation must not be failed (and retried) for it.
    event = {"Records": [{"eventSource": "aws:ses", "eventVersion": "1.0", "ses": {"mail": {}}}]}
    assert harness.stack.lambdas.invoke("track", event) == {"outcomes": ["unreadable"]}
