"""The segment count stops at its time budget and says so, rather than outlive the API's 29 s."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from nurtureflow.broadcasts.audience import AudienceCount
from nurtureflow.clock import VirtualClock
from nurtureflow.contacts.model import Contact

SEGMENT = {"segment": {"field": "contact.properties.plan", "op": "eq", "value": "pro"}}


class Contacts:
    """A table of 1,000 contacts, one plan in three "pro", read 200 at a time."""

    def __init__(self) -> None:
        self.items = [
            Contact.model_validate(
                {
                    "id": f"c{i:04d}",
                    "email": f"c{i}@example.com",
                    "properties": {"plan": "pro" if i % 3 == 0 else "free"},
                    "created_at": "2026-11-01T00:00:00+00:00",
                    "updated_at": "2026-11-01T00:00:00+00:00",
                }
            )
            for i in range(1000)
        ]
        self.reads = 0

    def page(self, after: str | None, limit: int) -> tuple[list[Contact], str | None]:
        self.reads += 1
        start = 0 if after is None else next(i for i, c in enumerate(self.items) if c.id == after) + 1
        chunk = self.items[start : start + limit]
        return chunk, chunk[-1].id if start + limit < len(self.items) else None


class Ticks:
    """A clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def _count(budget: float, contacts: Contacts) -> dict[str, Any]:
    clock = VirtualClock(datetime(2026, 12, 1, tzinfo=UTC))
    return AudienceCount(contacts, None, None, clock, budget_seconds=budget, timer=Ticks()).count(SEGMENT)


def test_within_the_budget_every_contact_is_read() -> None:
    assert _count(100.0, Contacts()) == {"matched": 334, "scanned": 1000, "complete": True}


def test_past_the_budget_it_answers_what_it_counted_and_that_it_is_not_complete() -> None:
    contacts = Contacts()
    counted = _count(2.5, contacts)
    assert counted == {"matched": 200, "scanned": 600, "complete": False}
    assert contacts.reads == 3  # the budget is checked after each read: it ran out after the third
