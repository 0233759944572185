"""SES notifications (through the configuration set's EventBridge destination) about our sends.

Hard bounces and complaints suppress the contact, so it is never mailed again; every notification
of a kind the contract names becomes that platform event in the contact's history.
"""

from __future__ import annotations

import hashlib
from typing import Any

from nurtureflow.clock import Clock
from nurtureflow.events.ingest import Publisher
from nurtureflow.events.model import TrackedEvent

SEND_HEADER = "X-NurtureFlow-Send"
EVENT_TYPES = {"Bounce": "email_bounced", "Complaint": "email_complained", "Delivery": "email_delivered"}


def send_id_of(mail: dict[str, Any]) -> str | None:
    """Our send id, from the headers SES echoes back in ``mail.headers``."""
    for header in mail.get("headers") or []:
        if str(header.get("name", "")).lower() == SEND_HEADER.lower():
            return str(header.get("value"))
    return None


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
        event = TrackedEvent.about_send(send, kind, f"e_{digest}", now)
        if self._events.record(event):
            self._bus.publish([event])
        return kind
