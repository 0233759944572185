"""Consent is provable: the confirming event, its wording and source are kept; unsubscribing withdraws."""

from __future__ import annotations

import re

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import MARKETER, Harness


def test_consent_confirmed_is_recorded_with_its_proof_and_an_unsubscribe_withdraws_it(
    harness: Harness,
) -> None:
    email = "gdpr@example.com"
    event = {
        "id": "c-gdpr-1",
        "type": "consent_confirmed",
        "email": email,
        "occurred_at": "2026-11-23T08:00:00Z",
        "properties": {"wording": "Send me offers", "source": "footer form"},
    }
    assert harness.event(event).status == 202
    contact = wiring.contacts().get(contact_id_for(email))
    assert contact is not None
    assert contact.consent is not None
    assert contact.consent.status == "confirmed"
    assert contact.consent.at.startswith("2026-11-23T08:00:00")
    assert (contact.consent.wording, contact.consent.source) == ("Send me offers", "footer form")
    stored = [e for e in wiring.events().history(contact.id) if e.type == "consent_confirmed"]
    assert [e.id for e in stored] == [contact.consent.event_id]

    template = {"subject": "Hi", "html": '<p><a href="{{ unsubscribe_url }}">unsubscribe</a></p>'}
    harness.http("PUT", "/admin/templates/it-consent", template, token=MARKETER)
    payload = {
        "action": "email",
        "step": "hello",
        "template": "it-consent",
        "entered": "2026-11-23T10:00:00Z",
        "execution": "arn:aws:states:us-east-1:1:execution:m:gdpr-1",
        "consent": "double_opt_in",
        "run": {"workflow": "it-consent", "version": 1, "contact_id": contact.id, "enrolment": "e"},
    }
    assert harness.stack.lambdas.invoke("send", payload)["status"] == "sent"
    [email_sent] = harness.sent_to(email)
    link = re.search(r"<http://[^/]+(/u/[^>]+)>", email_sent["headers"]["List-Unsubscribe"])
    assert link is not None
    one_click = {"Content-Type": "application/x-www-form-urlencoded"}
    assert harness.http("POST", link.group(1), b"List-Unsubscribe=One-Click", headers=one_click).status == 200
    withdrawn = wiring.contacts().get(contact.id)
    assert withdrawn is not None
    assert withdrawn.consent is not None
    assert (withdrawn.consent.status, withdrawn.consent.event_type) == ("withdrawn", "unsubscribed")
    unsubscribed = [e for e in wiring.events().history(contact.id) if e.type == "unsubscribed"]
    assert [e.id for e in unsubscribed] == [withdrawn.consent.event_id]
