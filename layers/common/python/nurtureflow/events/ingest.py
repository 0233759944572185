"""``POST /v1/events``: validate the whole post, update contacts, store each event once, publish."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any, Protocol

from aws_lambda_powertools import Logger
from pydantic import ValidationError

from nurtureflow.aws.metrics import ingest_undo_failed
from nurtureflow.clock import Clock
from nurtureflow.events.model import (
    MAX_CLOCK_AHEAD,
    EventBatch,
    IncomingEvent,
    TrackedEvent,
)
from nurtureflow.events.planning import PostPlanner
from nurtureflow.events.retention import DEFAULT_RETENTION_DAYS
from nurtureflow.events.values import trait_problems, value_problems
from nurtureflow.store.ingest_writes import ContactChangedError, EventWrite, WriteNotAppliedError

logger = Logger(child=True)
# How often a post is planned again when a contact changed under it.
_ATTEMPTS = 3
# The events of one PutEvents call; the bus chunks the same way.
PUBLISH_CHUNK = 10


class EventsInvalidError(Exception):
    """The post is refused whole; ``details`` name each bad field."""

    def __init__(self, details: list[dict[str, str]]) -> None:
        super().__init__("the events were refused")
        self.details = details


class Publisher(Protocol):
    def publish(self, events: list[TrackedEvent]) -> None: ...


def is_batch(body: Any) -> bool:
    """``{"batch": [...]}`` rather than one event."""
    return isinstance(body, dict) and "batch" in body


def parse_post(
    body: Any, now: datetime | None = None, retention_days: int = DEFAULT_RETENTION_DAYS
) -> list[IncomingEvent]:
    """One event or ``{"batch": [...]}``; any invalid event refuses the whole post (nothing is stored).

    Fields are named by their JSON path (``batch/3/traits/phone``). Every value must be one the
    tables hold faithfully (``events.values``). With ``now``, each ``occurred_at`` must also lie
    within the retention and at most a day ahead.
    """
    batched = is_batch(body)
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
    """Accepts a parsed post: plan every write (reads only), then write each event in one
    transaction, settle joins, publish. A failure before anything is published undoes every
    transaction this post committed; after, a retry of the post completes it (``docs/tracking.md``).
    """

    def __init__(self, writes: Any, bus: Publisher, clock: Clock, identities: Any = None) -> None:
        self._writes, self._bus, self._clock = writes, bus, clock
        # ``events.identity.IdentityJoin``; without one, anonymous events stay anonymous.
        self._identities = identities

    def accept(self, site_key: str, incoming: list[IncomingEvent], batched: bool = False) -> int:
        """Store and publish the events; how many. ``EventsInvalidError`` before any write."""
        for attempt in range(_ATTEMPTS):
            try:
                return self._accept_once(site_key, incoming, batched)
            except ContactChangedError:
                # Another write reached a contact between our read and our write: plan again.
                if attempt == _ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _accept_once(self, site_key: str, incoming: list[IncomingEvent], batched: bool) -> int:
        planner = PostPlanner(self._writes, self._identities, self._clock.now().isoformat())
        plan = planner.plan([(event_id(site_key, e.id), e) for e in incoming], batched)
        if plan.problems:
            raise EventsInvalidError(plan.problems)
        committed: list[EventWrite] = []
        published = False
        try:
            for write in plan.writes:
                # Counted before the call: a commit that fails without an answer may have been written.
                committed.append(write)
                if not self._writes.commit(write):
                    committed.pop()  # already recorded by an earlier post: not ours to undo
            for settle in plan.settles:
                self._identities.settle(settle.anonymous_id, settle.contact_id, settle.dropped)
            # Published even when already stored: a retry after a failed publish must still reach the
            # trigger function, whose enrolment is idempotent by event id.
            tracked = [write.event for write in plan.writes]
            for start in range(0, len(tracked), PUBLISH_CHUNK):
                self._bus.publish(tracked[start : start + PUBLISH_CHUNK])
                published = True
        except WriteNotAppliedError:
            committed.pop()  # the transaction in flight was cancelled: nothing of it to undo
            self._undo(committed)
            raise
        except Exception:
            if not published:
                self._undo(committed)
            raise
        return len(plan.writes)

    def _undo(self, committed: list[EventWrite]) -> None:
        for write in reversed(committed):
            try:
                self._writes.undo(write)
            except Exception:
                # The original failure is what the caller sees; a retry of the post completes it.
                logger.exception("undoing an event's write failed", extra={"event_id": write.event.id})
                ingest_undo_failed()
