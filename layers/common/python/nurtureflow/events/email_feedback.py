"""Opens, clicks and unsubscribes arriving through signed tracking links."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, Literal
from zoneinfo import ZoneInfo

from nurtureflow.clock import Clock
from nurtureflow.contacts.consent import withdrawn_by
from nurtureflow.costs.ledger import LedgerEntry, PricedUsages, Usage
from nurtureflow.costs.prices import PriceTable
from nurtureflow.events.ingest import Publisher
from nurtureflow.events.machine_opens import OpenRequest, machine_reason
from nurtureflow.events.model import TrackedEvent
from nurtureflow.runs.send_time import hour_of_week
from nurtureflow.sending.link_hosts import LinkNotAllowedError, allowed_link_hosts
from nurtureflow.sending.tokens import verify_kind
from nurtureflow.settings import TrackingSettings
from nurtureflow.stats.recorder import StatsRecorder

ENGAGED = frozenset({"email_opened", "email_clicked"})


def tracking_usage(kind: str, marked: bool, engaged: bool) -> Usage:
    """One tracking hit: an API Gateway request, a Lambda request, the read of the send, and the
    writes: the event with its id marker (a transaction: 2 items billed twice, 4 units), the ledger
    line with its three rollups (8 units), the send's first-open/click mark (1) when there is one,
    the hour-of-week engagement of the workflow and of the account (2) for a person's open or
    click, the contact's unsubscription (1) for an unsubscribe, and each stats count with its day's
    twin and marker (6 units; a click counts an open too). ``tests/integration/
    test_tracking_costs.py`` counts them as the hit makes them."""
    counts = 2 if kind == "email_clicked" else 1
    unsubscribing = 1 if kind == "unsubscribed" else 0
    writes = 4 + 8 + (1 if marked else 0) + (2 if engaged else 0) + unsubscribing + 6 * counts
    return Usage(apigateway_requests=1, lambda_requests=1, dynamodb_read_units=1, dynamodb_write_units=writes)


# How an unsubscribe arrived: the List-Unsubscribe URL (one-click POST, or the page's button), or
# its mailto (an SES receipt rule, events/mail_unsubscribe.py). Kept on the event and the consent.
UnsubscribeVia = Literal["one_click", "mail"]
CONSENT_SOURCES: dict[UnsubscribeVia, str] = {
    "one_click": "list_unsubscribe",
    "mail": "list_unsubscribe_mailto",
}


def unsubscribe_event_id(send_id: str) -> str:
    """The id of a send's ``unsubscribed`` event: the same each time, so it is recorded once."""
    return "e_" + hashlib.sha256(f"{send_id}|unsubscribed".encode()).hexdigest()[:24]


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
        self._ledger, self._clock, self._tracking = ledger, clock, tracking
        self._price = PricedUsages(prices)
        # ``store.engagement``: the audience's engagement hours, for ``best_time`` (optional).
        self._engagement = engagement

    def click(self, token: str) -> str:
        """Record the click; the URL the token signs (the only place a click may redirect to).

        ``LinkNotAllowedError``, and nothing recorded, when that URL's host is not (or no longer) on
        the account's allowlist: a valid signature never makes the redirect an open one.
        """
        payload = verify_kind(token, self._tracking.link_keys, "c")
        if not allowed_link_hosts(self._tracking).allows(str(payload["u"])):
            raise LinkNotAllowedError(str(payload["u"]))
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

    def unsubscribe(self, token: str, via: UnsubscribeVia = "one_click") -> bool:
        """Unsubscribe the contact the email went to: RFC 8058 one-click, or the mailto by mail.

        True when this call recorded the unsubscribe. Once per send: asking again (a second POST,
        SES invoking twice for one mail, a second mail) changes nothing.
        """
        send_id = self.check_unsubscribe(token)
        send = self._sends.get(send_id)
        if send is None:
            return False
        contact = self._contacts.get(send["contact_id"])
        if contact is None:
            return False
        event_id = unsubscribe_event_id(send_id)
        if not contact.unsubscribed:
            now = self._clock.now().isoformat()
            # Withdrawing consent is as easy as giving it (GDPR): the unsubscribe also withdraws it.
            consent = withdrawn_by(event_id, now, CONSENT_SOURCES[via])
            fields = {"unsubscribed": True, "unsubscribed_at": now, "consent": consent}
            self._contacts.apply(send["contact_id"], fields, 0, now)
        # Recorded even when the contact was already unsubscribed: a retry after the write above
        # failed here must still leave the event; its id makes any repeat a no-op.
        return self._record(send_id, "unsubscribed", None, {"via": via}, event_id)

    def _record(
        self,
        send_id: str,
        kind: str,
        mark: str | None,
        properties: dict[str, Any],
        event_id: str | None = None,
    ) -> bool:
        send = self._sends.get(send_id)
        if send is None:
            return False  # a token for a send that was erased: nothing left to attribute it to
        now = self._clock.now().isoformat()
        if mark is not None:
            self._sends.mark(send_id, mark, now)
        event = TrackedEvent.about_send(send, kind, event_id or f"e_{uuid.uuid4().hex[:24]}", now, properties)
        if not self._events.record(event):
            return False  # this event id was recorded before: its effects below happened then
        if self._engagement is not None and kind in ENGAGED and not properties.get("machine"):
            self._engagement.add(send["workflow"], hour_of_week(self._clock.now(), ZoneInfo("UTC")))
        self._bus.publish([event])
        usage = tracking_usage(kind, mark is not None, kind in ENGAGED and not properties.get("machine"))
        self._ledger.record(
            LedgerEntry(
                entry_id=f"trk#{event.id}",
                day=self._clock.now().date(),
                kind="tracking",
                workflow=send["workflow"],
                template=send.get("template"),
                usage=usage,
                usd=self._price(usage),
            )
        )
        if self._stats is not None:  # last: the event is kept even if counting fails
            self._stats.engagement(send, kind, machine=mark == "machine_opened_at")
        return True
