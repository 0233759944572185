"""Consent is provable: the confirming event, its wording and source are kept; unsubscribing withdraws."""

from __future__ import annotations

import re

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import MARKETER, Harness


def _send_and_read_unsubscribe(
    harness: Harness, workflow: str, email: str, consent: str | None = None
) -> str:
    """Send one email to ``email`` through the send function; the path of its List-Unsubscribe URL."""
    template = {"subject": "Hi", "html": '<p><a href="{{ unsubscribe_url }}">unsubscribe</a></p>'}
    harness.http("PUT", f"/admin/templates/{workflow}", template, token=MARKETER)
    payload = {
        "action": "email",
        "step": "hello",
        "template": workflow,
        "entered": "2026-11-23T10:00:00Z",
        "execution": f"arn:aws:states:us-east-1:1:execution:m:{workflow}-1",
        "run": {"workflow": workflow, "version": 1, "contact_id": contact_id_for(email), "enrolment": "e"},
        **({"consent": consent} if consent else {}),
    }
    assert harness.stack.lambdas.invoke("send", payload)["status"] == "sent"
    [email_sent] = harness.sent_to(email)
    link = re.search(r"<(http://[^>]+/u/[^>]+)>", email_sent["headers"]["List-Unsubscribe"])
    assert link is not None
    return link.group(1)


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

    unsubscribe = _send_and_read_unsubscribe(harness, "it-consent", email, consent="double_opt_in")
    one_click = {"Content-Type": "application/x-www-form-urlencoded"}
    assert harness.http("POST", unsubscribe, b"List-Unsubscribe=One-Click", headers=one_click).status == 200
    withdrawn = wiring.contacts().get(contact.id)
    assert withdrawn is not None
    assert withdrawn.consent is not None
    assert (withdrawn.consent.status, withdrawn.consent.event_type) == ("withdrawn", "unsubscribed")
    unsubscribed = [e for e in wiring.events().history(contact.id) if e.type == "unsubscribed"]
    assert [e.id for e in unsubscribed] == [withdrawn.consent.event_id]


def test_the_rfc_8058_multipart_one_click_body_unsubscribes(harness: Harness) -> None:
    # RFC 8058 prefers multipart/form-data; its section 8.1 example, as a mailbox provider posts it.
    email = "multipart@example.com"
    assert harness.event({"type": "form_submitted", "email": email}).status == 202
    contact_id = contact_id_for(email)
    unsubscribe = _send_and_read_unsubscribe(harness, "it-multipart", email)
    body = (
        b"---FormBoundaryjWmhtjORrn\r\n"
        b'Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        b"One-Click\r\n"
        b"---FormBoundaryjWmhtjORrn--\r\n"
    )
    multipart = {"Content-Type": "multipart/form-data; boundary=-FormBoundaryjWmhtjORrn"}
    assert harness.http("POST", unsubscribe, body, headers=multipart).status == 200
    contact = wiring.contacts().get(contact_id)
    assert contact is not None
    assert contact.unsubscribed
    assert contact.consent is not None
    first_withdrawal = (contact.consent.at, contact.consent.event_id)
    # Providers and people post again (a retry, a double click): nothing changes, 200 again.
    assert harness.http("POST", unsubscribe, body, headers=multipart).status == 200
    again = wiring.contacts().get(contact_id)
    assert again is not None
    assert again.consent is not None
    assert (again.consent.at, again.consent.event_id) == first_withdrawal
    assert [e.type for e in wiring.events().history(contact_id)].count("unsubscribed") == 1
