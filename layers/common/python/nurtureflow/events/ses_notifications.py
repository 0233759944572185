"""SES notifications (through the configuration set's EventBridge destination) about our sends.

Hard bounces and complaints suppress the contact, so it is never mailed again; every notification
of the kinds below becomes a platform event in the contact's history, with the reason SES gave.
"""

from __future__ import annotations

import hashlib
from typing import Any

from nurtureflow.clock import Clock
from nurtureflow.events.ingest import Publisher
from nurtureflow.events.model import TrackedEvent

SEND_HEADER = "X-NurtureFlow-Send"
EVENT_TYPES = {
    "Bounce": "email_bounced",
    "Complaint": "email_complained",
    "Delivery": "email_delivered",
    "Reject": "email_rejected",  # SES accepted the call, then refused the message (a virus, say)
    "DeliveryDelay": "email_delayed",  # the receiving server deferred it; SES keeps trying
}


def send_id_of(mail: dict[str, Any]) -> str | None:
    """Our send id, from the headers SES echoes back in ``mail.headers``."""
    for header in mail.get("headers") or []:
        if str(header.get("name", "")).lower() == SEND_HEADER.lower():
            return str(header.get("value"))
    return None


def details_of(detail: dict[str, Any]) -> dict[str, Any]:
    """What the notification says about why, kept on the event (no recipient addresses: they are PII
    the send record already links)."""
    kind = detail.get("eventType")
    if kind == "Bounce":
        bounce = detail.get("bounce") or {}
        return _present(bounce_type=bounce.get("bounceType"), sub_type=bounce.get("bounceSubType"))
    if kind == "Complaint":
        complaint = detail.get("complaint") or {}
        return _present(
            feedback_type=complaint.get("complaintFeedbackType"),
            sub_type=complaint.get("complaintSubType"),
        )
    if kind == "Reject":
        return _present(reason=(detail.get("reject") or {}).get("reason"))
    if kind == "DeliveryDelay":
        delay = detail.get("deliveryDelay") or {}
        return _present(delay_type=delay.get("delayType"), expires_at=delay.get("expirationTime"))
    return {}


def _present(**values: Any) -> dict[str, Any]:
    return {k: str(v)[:200] for k, v in values.items() if v is not None}


def suppresses(detail: dict[str, Any]) -> bool:
    """A complaint, or a permanent bounce: mailing the address again would hurt the sender's reputation."""
    if detail.get("eventType") == "Complaint":
        return True
    return (
        detail.get("eventType") == "Bounce" and (detail.get("bounce") or {}).get("bounceType") == "Permanent"
    )


def suppression_reason(detail: dict[str, Any]) -> str:
    """Why a suppressing notification suppresses. SES's account-level suppression list answers a
    send with a permanent bounce of subtype ``OnAccountSuppressionList`` (the message was accepted
    and dropped): our own suppression then mirrors SES's, so the address is never sent to again."""
    if detail["eventType"] == "Complaint":
        return "complaint"
    if (detail.get("bounce") or {}).get("bounceSubType") == "OnAccountSuppressionList":
        return "ses_account_suppression"
    return "hard_bounce"


class SesNotifications:
    def __init__(self, *, sends: Any, contacts: Any, events: Any, bus: Publisher, clock: Clock) -> None:
        self._sends, self._contacts, self._events, self._bus, self._clock = (
            sends,
            contacts,
            events,
            bus,
            clock,
        )

    def handle(self, detail: dict[str, Any]) -> str | None:
        """Record one notification; the platform event type recorded, or None when it is not ours."""
        kind = EVENT_TYPES.get(str(detail.get("eventType")))
        send_id = send_id_of(detail.get("mail") or {})
        send = self._sends.get(send_id) if send_id else None
        if kind is None or send is None:
            return None
        now = self._clock.now().isoformat()
        if suppresses(detail):
            reason = suppression_reason(detail)
            self._contacts.apply(
                send["contact_id"], {"suppressed": True, "suppressed_reason": reason}, 0, now
            )
        # SES may deliver a notification more than once: the id makes the second a no-op.
        digest = hashlib.sha256(f"{detail['mail'].get('messageId')}|{kind}".encode()).hexdigest()[:24]
        event = TrackedEvent.about_send(send, kind, f"e_{digest}", now, details_of(detail))
        if self._events.record(event):
            self._bus.publish([event])
        return kind
