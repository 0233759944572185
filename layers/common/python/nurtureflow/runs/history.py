"""A run's view of the contact's history, for conditions on engagement and past events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

# The events each measure of an email condition looks for: a click is an open too; deliveries,
# bounces and complaints are SES's notifications about the send (events/ses_notifications.py).
ENGAGEMENT_EVENTS = {
    "opened": ("email_opened", "email_clicked"),
    "clicked": ("email_clicked",),
    "delivered": ("email_delivered",),
    "bounced": ("email_bounced",),
    "complained": ("email_complained",),
}


class RunHistory:
    """Implements ``ConditionHistory`` from the events and sends tables, for one run of one contact."""

    def __init__(self, events: Any, sends: Any, contact_id: str, execution_arn: str) -> None:
        self._events, self._sends = events, sends
        self._contact_id, self._execution_arn = contact_id, execution_arn
        self._loaded: list[Any] | None = None

    def _all(self) -> list[Any]:
        if self._loaded is None:
            self._loaded = self._events.history(self._contact_id)
        return self._loaded

    def events(self, event_type: str, since: datetime | None) -> Sequence[dict[str, Any]]:
        cutoff = since.isoformat() if since is not None else ""
        return [
            e.as_condition_data() for e in self._all() if e.type == event_type and e.occurred_at >= cutoff
        ]

    def engaged(self, step_id: str, measure: str) -> bool:
        """Whether the email this run sent at ``step_id`` was opened (a click counts), clicked,
        delivered, bounced or complained of."""
        kinds = ENGAGEMENT_EVENTS[measure]
        for event in self._all():
            # A machine open (proxy prefetch, scanner) is not a person opening: only a click then counts.
            if event.properties.get("machine"):
                continue
            if event.type in kinds and event.step == step_id and event.send_id:
                send = self._sends.get(event.send_id)
                if send is not None and send.get("execution_arn") == self._execution_arn:
                    return True
        return False
