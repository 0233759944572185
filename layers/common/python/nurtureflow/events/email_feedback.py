"""Opens, clicks and unsubscribes arriving through signed tracking links."""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from nurtureflow.clock import Clock
from nurtureflow.contacts.consent import withdrawn_by
from nurtureflow.costs.ledger import LedgerEntry, Usage, cost_usage
from nurtureflow.costs.prices import PriceTable
from nurtureflow.events.ingest import Publisher
from nurtureflow.events.machine_opens import OpenRequest, machine_reason
from nurtureflow.events.model import TrackedEvent
from nurtureflow.runs.send_time import hour_of_week
from nurtureflow.sending.tokens import verify_kind
from nurtureflow.settings import TrackingSettings
from nurtureflow.stats.recorder import StatsRecorder

# One tracking hit: an API Gateway request, a Lambda request, reads of the send and writes of the
# event (with its id marker), the send's first-open/click mark and the ledger line.
ENGAGED = frozenset({"email_opened", "email_clicked"})
TRACKING_USAGE = Usage(
    apigateway_requests=1, lambda_requests=1, dynamodb_read_units=1, dynamodb_write_units=4
)


class EmailFeedback:
    def __init__(
        self,
        *,
        sends: Any,
        contacts: Any,
        events: Any,
        bus: Publisher,
        ledger: Any,
        clock: Clock,
        tracking: TrackingSettings,
        prices: PriceTable,
        stats: StatsRecorder | None = None,
        engagement: Any = None,
    ) -> None:
        self._stats = stats
        self._sends, self._contacts, self._events, self._bus = sends, contacts, events, bus
        self._ledger, self._clock, self._tracking, self._prices = ledger, clock, tracking, prices
        # ``store.engagement``: the audience's engagement hours, for ``best_time`` (optional).
        self._engagement = engagement

    def click(self, token: str) -> str:
        """Record the click; the URL the token signs (the only place a click may redirect to)."""
        payload = verify_kind(token, self._tracking.link_keys, "c")
        self._record(str(payload["s"]), "email_clicked", "clicked_at", {"url": payload["u"]})
        return str(payload["u"])

    def open(self, token: str, request: OpenRequest | None = None) -> None:
        """Record the open; a machine's is flagged and marks ``machine_opened_at``, not ``opened_at``."""
        payload = verify_kind(token, self._tracking.link_keys, "o")
        send_id = str(payload["s"])
        send = self._sends.get(send_id)
        if send is None:
            return
        reason = machine_reason(request or OpenRequest(), send.get("sent_at"), self._clock.now())
        if reason is None:
            self._record(send_id, "email_opened", "opened_at", {})
        else:
            self._record(
                send_id, "email_opened", "machine_opened_at", {"machine": True, "machine_reason": reason}
            )

    def check_unsubscribe(self, token: str) -> str:
        """The send id an unsubscribe token is for (the human page shows before anything changes)."""
        return str(verify_kind(token, self._tracking.link_keys, "u")["s"])

    def unsubscribe(self, token: str) -> None:
        """RFC 8058 one-click: unsubscribe the contact the email went to."""
        send_id = self.check_unsubscribe(token)
        send = self._sends.get(send_id)
        if send is None:
            return
        now = self._clock.now().isoformat()
        # Withdrawing consent is as easy as giving it (GDPR): the unsubscribe also withdraws it.
        event_id = f"e_{uuid.uuid4().hex[:24]}"
        consent = withdrawn_by(event_id, now, "list_unsubscribe")
        fields = {"unsubscribed": True, "unsubscribed_at": now, "consent": consent}
        self._contacts.apply(send["contact_id"], fields, 0, now)
        self._record(send_id, "unsubscribed", None, {}, event_id)

    def _record(
        self,
        send_id: str,
        kind: str,
        mark: str | None,
        properties: dict[str, Any],
        event_id: str | None = None,
    ) -> None:
        send = self._sends.get(send_id)
        if send is None:
            return  # a token for a send that was erased: nothing left to attribute it to
        now = self._clock.now().isoformat()
        if mark is not None:
            self._sends.mark(send_id, mark, now)
        event = TrackedEvent.about_send(send, kind, event_id or f"e_{uuid.uuid4().hex[:24]}", now, properties)
        self._events.record(event)
        if self._engagement is not None and kind in ENGAGED and not properties.get("machine"):
            self._engagement.add(send["workflow"], hour_of_week(self._clock.now(), ZoneInfo("UTC")))
        self._bus.publish([event])
        self._ledger.record(
            LedgerEntry(
                entry_id=f"trk#{event.id}",
                day=self._clock.now().date(),
                kind="tracking",
                workflow=send["workflow"],
                template=send.get("template"),
                usage=TRACKING_USAGE,
                usd=cost_usage(TRACKING_USAGE, self._prices),
            )
        )
        if self._stats is not None:  # last: the event is kept even if counting fails
            self._stats.engagement(send, kind, machine=mark == "machine_opened_at")
