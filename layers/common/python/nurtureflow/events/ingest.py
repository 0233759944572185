"""``POST /v1/events``: validate the whole post, update contacts, store each event once, publish."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import ValidationError

from nurtureflow.clock import Clock
from nurtureflow.contacts.consent import CONSENT_EVENT, confirmed_by
from nurtureflow.contacts.model import split_traits
from nurtureflow.events.model import (
    MAX_CLOCK_AHEAD,
    EventBatch,
    IncomingEvent,
    TrackedEvent,
)
from nurtureflow.events.retention import DEFAULT_RETENTION_DAYS
from nurtureflow.events.values import trait_problems, value_problems


class EventsInvalidError(Exception):
    """The post is refused whole; ``details`` name each bad field."""

    def __init__(self, details: list[dict[str, str]]) -> None:
        super().__init__("the events were refused")
        self.details = details


class Publisher(Protocol):
    def publish(self, events: list[TrackedEvent]) -> None: ...


def parse_post(
    body: Any, now: datetime | None = None, retention_days: int = DEFAULT_RETENTION_DAYS
) -> list[IncomingEvent]:
    """One event or ``{"batch": [...]}``; any invalid event refuses the whole post (nothing is stored).

    Fields are named by their JSON path (``batch/3/traits/phone``). Every value must be one the
    tables hold faithfully (``events.values``). With ``now``, each ``occurred_at`` must also lie
    within the retention and at most a day ahead.
    """
    batched = isinstance(body, dict) and "batch" in body
    try:
        events = EventBatch.model_validate(body).batch if batched else [IncomingEvent.model_validate(body)]
    except ValidationError as error:
        raise EventsInvalidError(
            [
                {
                    "field": "/".join(str(p) for p in e["loc"]) or "body",
                    "message": str(e["msg"]).removeprefix("Value error, "),
                }
                for e in error.errors()
            ]
        ) from None
    details = [
        {"field": field, "message": message}
        for i, event in enumerate(events)
        for field, message in _event_problems(event, f"batch/{i}/" if batched else "", now, retention_days)
    ]
    if details:
        raise EventsInvalidError(details)
    return events


def _event_problems(
    event: IncomingEvent, prefix: str, now: datetime | None, retention_days: int
) -> list[tuple[str, str]]:
    problems = sorted(trait_problems(event.traits, f"{prefix}traits"))
    problems += sorted(value_problems(event.properties, f"{prefix}properties"))
    if now is not None and (problem := occurred_at_problem(event.occurred_at, now, retention_days)):
        problems.append((f"{prefix}occurred_at", problem))
    return problems


def occurred_at_problem(
    occurred_at: datetime | None, now: datetime, retention_days: int = DEFAULT_RETENTION_DAYS
) -> str | None:
    """Why a time cannot be an event's, or None: a clock days ahead, or older than we keep events."""
    if occurred_at is None:
        return None
    if occurred_at > now + MAX_CLOCK_AHEAD:
        return f"occurred_at is more than {MAX_CLOCK_AHEAD.total_seconds() / 3600:g} hours in the future"
    if occurred_at < now - timedelta(days=retention_days):
        return f"occurred_at is older than the event retention ({retention_days} days)"
    return None


def event_id(site_key: str, client_id: str | None) -> str:
    """A client's id, scoped to its site, makes a retried post count once; none gets a fresh id."""
    if client_id is None:
        return "e_" + uuid.uuid4().hex[:24]
    return "e_" + hashlib.sha256(f"{site_key}|{client_id}".encode()).hexdigest()[:24]


class Ingestion:
    def __init__(
        self, contacts: Any, events: Any, bus: Publisher, clock: Clock, identities: Any = None
    ) -> None:
        self._contacts, self._events, self._bus, self._clock = contacts, events, bus, clock
        # ``events.identity.IdentityJoin``; without one, anonymous events stay anonymous.
        self._identities = identities

    def _contact_id(self, event: IncomingEvent, now: str) -> str | None:
        """Upsert the contact an email names (joining the anonymous id to it), or find a joined one."""
        if event.email is not None:
            named, others = split_traits(event.traits)
            contact = self._contacts.upsert(event.email, named, others, now)
            if event.anonymous_id is not None and self._identities is not None:
                self._identities.join(event.anonymous_id, contact, now)
            return str(contact.id)
        if event.anonymous_id is not None and self._identities is not None:
            joined: str | None = self._identities.contact_of(event.anonymous_id)
            return joined
        return None

    def accept(self, site_key: str, incoming: list[IncomingEvent]) -> int:
        now = self._clock.now().isoformat()
        tracked: list[TrackedEvent] = []
        for event in incoming:
            item = TrackedEvent(
                id=event_id(site_key, event.id),
                type=event.type,
                contact_id=self._contact_id(event, now),
                anonymous_id=event.anonymous_id,
                properties=event.properties,
                occurred_at=(event.occurred_at.isoformat() if event.occurred_at else now),
                received_at=now,
            )
            self._events.record(item)
            if item.type == CONSENT_EVENT and item.contact_id is not None:
                # Before publishing: a workflow this event starts must already see the consent.
                consent = confirmed_by(item.id, item.type, item.occurred_at, item.properties)
                self._contacts.apply(item.contact_id, {"consent": consent}, 0, now)
            tracked.append(item)
        # Published even when already stored: a retry after a failed publish must still reach the
        # trigger function, whose enrolment is idempotent by event id.
        self._bus.publish(tracked)
        return len(tracked)
