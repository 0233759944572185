"""SES notifications into the track function: hard bounces and complaints suppress, once."""

from __future__ import annotations

import json
from typing import Any

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import MARKETER, Harness

TEMPLATE = {"subject": "News", "html": "<p>News</p>"}


def _sent(harness: Harness, email: str, execution: str) -> dict[str, Any]:
    harness.http("PUT", "/admin/templates/it-ses", TEMPLATE, token=MARKETER)
    harness.event({"type": "page_viewed", "email": email})
    run = {
        "workflow": "it-ses",
        "version": 1,
        "contact_id": contact_id_for(email),
        "event": {},
        "enrolment": "e",
    }
    result = harness.stack.lambdas.invoke(
        "send",
        {
            "action": "email",
            "step": "news",
            "template": "it-ses",
            "entered": "2026-11-23T10:00:00Z",
            "execution": execution,
            "run": run,
        },
    )
    return result  # type: ignore[no-any-return]


def _notification(send_id: str, event_type: str, **extra: Any) -> dict[str, Any]:
    mail = {"messageId": f"ses-{send_id}", "headers": [{"name": "X-NurtureFlow-Send", "value": send_id}]}
    return {
        "version": "0",
        "source": "aws.ses",
        "detail-type": f"Email {event_type}",
        "detail": {"eventType": event_type, "mail": mail, **extra},
    }


def test_a_hard_bounce_suppresses_the_contact_once_and_later_sends_are_skipped(harness: Harness) -> None:
    sent = _sent(harness, "nia@example.com", "arn:aws:states:us-east-1:1:execution:m:nia-1")
    bounce = _notification(sent["send_id"], "Bounce", bounce={"bounceType": "Permanent"})
    assert harness.stack.lambdas.invoke("track", bounce) == {"recorded": "email_bounced"}
    assert harness.stack.lambdas.invoke("track", bounce) == {"recorded": "email_bounced"}  # redelivered
    contact_id = contact_id_for("nia@example.com")
    assert wiring.contacts().get(contact_id).suppressed is True  # type: ignore[union-attr]
    bounces = [e for e in wiring.events().history(contact_id) if e.type == "email_bounced"]
    assert len(bounces) == 1
    assert bounces[0].step == "news"
    later = _sent(harness, "nia@example.com", "arn:aws:states:us-east-1:1:execution:m:nia-2")
    assert (later["status"], later["reason"]) == ("skipped", "suppressed")


def test_a_transient_bounce_is_recorded_without_suppressing(harness: Harness) -> None:
    sent = _sent(harness, "oto@example.com", "arn:aws:states:us-east-1:1:execution:m:oto-1")
    soft = _notification(sent["send_id"], "Bounce", bounce={"bounceType": "Transient"})
    assert harness.stack.lambdas.invoke("track", soft) == {"recorded": "email_bounced"}
    assert wiring.contacts().get(contact_id_for("oto@example.com")).suppressed is False  # type: ignore[union-attr]


def test_a_notification_about_no_send_of_ours_records_nothing(harness: Harness) -> None:
    assert harness.stack.lambdas.invoke("track", _notification("s_unknown", "Complaint")) == {
        "recorded": None
    }


def test_rejects_and_delivery_delays_become_events_with_the_reason_and_suppress_nobody(
    harness: Harness,
) -> None:
    sent = _sent(harness, "pia@example.com", "arn:aws:states:us-east-1:1:execution:m:pia-1")
    reject = _notification(sent["send_id"], "Reject", reject={"reason": "Bad content"})
    delay = _notification(
        sent["send_id"],
        "DeliveryDelay",
        deliveryDelay={"delayType": "MailboxFull", "expirationTime": "2026-11-24T10:00:00Z"},
    )
    assert harness.stack.lambdas.invoke("track", reject) == {"recorded": "email_rejected"}
    assert harness.stack.lambdas.invoke("track", delay) == {"recorded": "email_delayed"}
    contact_id = contact_id_for("pia@example.com")
    history = {e.type: e for e in wiring.events().history(contact_id)}
    assert history["email_rejected"].properties == {"reason": "Bad content"}
    assert history["email_delayed"].properties == {
        "delay_type": "MailboxFull",
        "expires_at": "2026-11-24T10:00:00Z",
    }
    assert history["email_rejected"].step == "news"
    assert wiring.contacts().get(contact_id).suppressed is False  # type: ignore[union-attr]


def test_a_bounce_event_says_which_kind_of_bounce(harness: Harness) -> None:
    sent = _sent(harness, "quin@example.com", "arn:aws:states:us-east-1:1:execution:m:quin-1")
    bounce = _notification(
        sent["send_id"], "Bounce", bounce={"bounceType": "Permanent", "bounceSubType": "NoEmail"}
    )
    harness.stack.lambdas.invoke("track", bounce)
    (event,) = [
        e for e in wiring.events().history(contact_id_for("quin@example.com")) if e.type == "email_bounced"
    ]
    assert event.properties == {"bounce_type": "Permanent", "sub_type": "NoEmail"}


def test_a_website_cannot_post_the_platform_s_email_events(harness: Harness) -> None:
    for kind in ("email_rejected", "email_delayed", "email_bounced"):
        reply = harness.event({"type": kind, "email": "x@example.com"})
        assert reply.status == 422, kind
        assert "type" in json.dumps(reply.json())
