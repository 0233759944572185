"""In-memory stand-ins for the broadcast tasks' stores: the same contracts as the DynamoDB ones."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from nurtureflow.broadcasts.sending import BroadcastSender
from nurtureflow.clock import Clock
from nurtureflow.contacts.model import Contact
from nurtureflow.costs.prices import load_price_table
from nurtureflow.sending.delivery import SendRequest
from nurtureflow.settings import BroadcastSettings
from nurtureflow.store.broadcasts import BroadcastStatusError


class FakeBroadcasts:
    """``BroadcastRepository`` over a dict, with the same count-once markers."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.markers: set[tuple[str, str]] = set()

    def create(self, item: dict[str, Any]) -> None:
        counters = {"matched": 0, "sent": 0, "failed": 0, "skipped": {}, "pages": 0, "batches": 0}
        self.items[item["id"]] = {**counters, **copy.deepcopy(item)}

    def get(self, broadcast_id: str) -> dict[str, Any] | None:
        item = self.items.get(broadcast_id)
        return None if item is None else copy.deepcopy(item)

    def status(self, broadcast_id: str) -> str | None:
        item = self.items.get(broadcast_id)
        return None if item is None else str(item["status"])

    def move(
        self, broadcast_id: str, allowed: tuple[str, ...], status: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        item = self.items.get(broadcast_id)
        if item is None or item["status"] not in allowed:
            raise BroadcastStatusError(None if item is None else item["status"])
        item.update({**fields, "status": status})
        return copy.deepcopy(item)

    def count_once(
        self, broadcast_id: str, key: str, counts: dict[str, int], skipped: str | None = None
    ) -> bool:
        if (broadcast_id, key) in self.markers:
            return False
        self.markers.add((broadcast_id, key))
        item = self.items[broadcast_id]
        for attribute, amount in counts.items():
            item[attribute] = item.get(attribute, 0) + amount
        if skipped is not None:
            item["skipped"][skipped] = item["skipped"].get(skipped, 0) + 1
        return True


class FakeContacts:
    """Contacts in id order, read in pages as ``ContactRepository.page`` reads them."""

    def __init__(self, contacts: list[Contact]) -> None:
        self.contacts = sorted(contacts, key=lambda c: c.id)
        self.reads = 0

    def page(self, after: str | None, limit: int) -> tuple[list[Contact], str | None]:
        self.reads += 1
        start = 0 if after is None else next(i for i, c in enumerate(self.contacts) if c.id == after) + 1
        chunk = self.contacts[start : start + limit]
        more = start + limit < len(self.contacts)
        return chunk, chunk[-1].id if more and chunk else None


class FakeLedger:
    def __init__(self) -> None:
        self.entries: dict[str, Any] = {}

    def record(self, entry: Any) -> None:
        self.entries[entry.entry_id] = entry


class NoHistory:
    def history(self, contact_id: str, since: str | None = None) -> list[Any]:
        return []

    def get(self, send_id: str) -> None:
        return None


def contact(n: int, **fields: Any) -> Contact:
    now = datetime(2026, 11, 1, tzinfo=UTC).isoformat()
    return Contact(id=f"c_{n:04d}", email=f"p{n}@example.com", created_at=now, updated_at=now, **fields)


def sender(
    store: FakeBroadcasts,
    contacts: FakeContacts,
    deliver: Callable[[SendRequest], dict[str, Any]],
    clock: Clock,
    ledger: FakeLedger | None = None,
    **settings: Any,
) -> BroadcastSender:
    return BroadcastSender(
        store=store,
        contacts=contacts,
        events=NoHistory(),
        sends=NoHistory(),
        ledger=ledger or FakeLedger(),
        deliver=deliver,
        clock=clock,
        prices=load_price_table(None),
        settings=BroadcastSettings(**settings),
    )
