"""In-memory stand-ins for the DynamoDB repositories, with the same methods and the same conditions.

A simulation walks tens of thousands of contacts through the real step logic; DynamoDB (or moto) would
cost a network round trip per read. These keep the repositories' contracts (idempotent event ids,
conditional run claims, first-open marks) so the domain code cannot tell the difference. Stored values
are treated as immutable: updates replace them, so a value handed out never changes under its reader.
"""

from __future__ import annotations

import bisect
import sys
import zlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from nurtureflow.contacts.model import Contact, contact_id_for, normalise_email
from nurtureflow.costs.ledger import LedgerEntry, ServiceCosts
from nurtureflow.costs.rollups import month_of
from nurtureflow.events.model import TrackedEvent
from nurtureflow.store.items import to_plain
from nurtureflow.store.runs import RunClaimedError
from nurtureflow.workflow.errors import WorkflowArchivedError

# The ids and names a contact's runs, sends and events repeat: each arrives as a string of its own
# (parsed from a task's JSON payload), and a forecast keeps them all, so the stores keep one copy.
# Not an event's or a send's own id: each is unique, and interning it only grows Python's table.
_SHARED_KEYS = frozenset(("contact_id", "execution_arn", "workflow", "step", "template"))


def _shared(item: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``item`` whose ids and names are the one kept copy of each."""
    copy = dict(item)
    for key in _SHARED_KEYS.intersection(copy):
        if type(value := copy[key]) is str:
            copy[key] = sys.intern(value)
    return copy


# Contacts, sends and runs are kept packed: a tuple of the item's values after the tuple of its
# keys, which items with the same fields share. A dozen-key dict is three times that tuple's size,
# and a forecast keeps hundreds of thousands of them. Reads unpack a fresh dict (or model), as a
# store's reads do.
_Packed = tuple[Any, ...]
_LAYOUTS: dict[tuple[str, ...], tuple[str, ...]] = {}


def _pack(item: dict[str, Any]) -> _Packed:
    keys = tuple(item)
    return (_LAYOUTS.setdefault(keys, keys), *_shared(item).values())


def _unpack(packed: _Packed) -> dict[str, Any]:
    return dict(zip(packed[0], packed[1:], strict=True))


class MissingItemError(LookupError):
    """An update's ``attribute_exists`` condition failed: the item is not there."""


class MemoryContacts:
    """Contacts kept packed, as sends and runs are: a model with its set of given fields took 1.6 KB,
    and a forecast reads one back (pydantic-core, about 3 microseconds) a dozen times per contact."""

    def __init__(self) -> None:
        self._items: dict[str, _Packed] = {}

    def __len__(self) -> int:
        return len(self._items)

    def _put(self, contact: Contact) -> Contact:
        self._items[contact.id] = _pack(contact.__dict__)
        return contact

    def _read(self, contact_id: str) -> Contact:
        return Contact.model_validate(_unpack(self._items[contact_id]))

    def add(self, contact: Contact) -> None:
        self._put(contact)

    def get(self, contact_id: str) -> Contact | None:
        return self._read(contact_id) if contact_id in self._items else None

    def exists(self, contact_id: str) -> bool:
        return contact_id in self._items

    def scan(self) -> Iterator[Contact]:
        for contact_id in list(self._items):
            yield self._read(contact_id)

    def page(self, after: str | None, limit: int) -> tuple[list[Contact], str | None]:
        """In id order, as a stand-in for the table's own order."""
        ordered = sorted(self._items)
        start = 0 if after is None else sum(1 for contact_id in ordered if contact_id <= after)
        chunk = [self._read(i) for i in ordered[start : start + limit]]
        more = start + limit < len(ordered)
        return chunk, chunk[-1].id if more and chunk else None

    def segment_page(
        self, segment: int, segments: int, after: str | None, limit: int
    ) -> tuple[list[Contact], str | None]:
        """One segment of a parallel scan, in id order: a contact's segment comes from its id."""
        ordered = sorted(i for i in self._items if zlib.crc32(i.encode()) % segments == segment)
        start = 0 if after is None else bisect.bisect_right(ordered, after)
        chunk = [self._read(i) for i in ordered[start : start + limit]]
        more = start + limit < len(ordered)
        return chunk, chunk[-1].id if more and chunk else None

    def upsert(self, email: str, named: dict[str, Any], properties: dict[str, Any], now: str) -> Contact:
        contact_id = contact_id_for(email)
        current = self.get(contact_id)
        base: dict[str, Any] = (
            current.model_dump()
            if current is not None
            else {"id": contact_id, "created_at": now, "score": 0, "lifecycle_stage": "subscriber"}
        )
        merged = {**base, **named, "email": normalise_email(email), "updated_at": now}
        merged["properties"] = {**base.get("properties", {}), **properties}
        return self._put(Contact.model_validate(merged))

    def delete(self, contact_id: str) -> bool:
        return self._items.pop(contact_id, None) is not None

    def set_properties(self, contact_id: str, properties: dict[str, Any], now: str) -> None:
        current = self._existing(contact_id)
        self._put(
            current.model_copy(update={"properties": {**current.properties, **properties}, "updated_at": now})
        )

    def set_anonymous_ids(self, contact_id: str, anonymous_ids: list[str], now: str) -> None:
        current = self._existing(contact_id)
        self._put(current.model_copy(update={"anonymous_ids": list(anonymous_ids), "updated_at": now}))

    def apply(self, contact_id: str, fields: dict[str, Any], score_delta: int, now: str) -> None:
        current = self._existing(contact_id)
        merged = {**current.model_dump(), **fields, "updated_at": now}
        merged["score"] = int(merged.get("score", 0)) + score_delta
        self._put(Contact.model_validate(merged))

    def set_score(self, contact_id: str, score: int, stage: str | None, now: str, expected: Contact) -> bool:
        current = self._existing(contact_id)
        if (current.score, current.score_updated_at) != (expected.score, expected.score_updated_at):
            return False
        changes: dict[str, Any] = {"score": score, "score_updated_at": now, "updated_at": now}
        self._put(
            current.model_copy(
                update={**changes, **({"lifecycle_stage": stage} if stage is not None else {})}
            )
        )
        return True

    def _existing(self, contact_id: str) -> Contact:
        if contact_id not in self._items:
            raise MissingItemError(contact_id)
        return self._read(contact_id)


class MemoryRuns:
    """Runs by (contact, workflow), with the conditional writes enrolment and resumption rely on."""

    def __init__(self) -> None:
        self._items: dict[str, dict[str, _Packed]] = {}

    def get(self, contact_id: str, workflow_id: str) -> dict[str, Any] | None:
        run = self._items.get(contact_id, {}).get(workflow_id)
        return None if run is None else _unpack(run)

    def of_contact(self, contact_id: str) -> list[dict[str, Any]]:
        return [_unpack(run) for run in self._items.get(contact_id, {}).values()]

    def all(self) -> Iterator[dict[str, Any]]:
        for runs in self._items.values():
            for run in runs.values():
                yield _unpack(run)

    def claim(self, run: dict[str, Any], previous_key: str | None) -> None:
        current = self.get(run["contact_id"], run["workflow"])
        held = (
            current is not None if previous_key is None else (current or {}).get("enrolment") != previous_key
        )
        if held:
            raise RunClaimedError(run["contact_id"])
        self._items.setdefault(run["contact_id"], {})[run["workflow"]] = _pack(run)

    def update(self, contact_id: str, workflow_id: str, execution_arn: str, fields: dict[str, Any]) -> bool:
        current = self.get(contact_id, workflow_id)
        if current is None or current.get("execution_arn") != execution_arn:
            return False
        self._items[contact_id][workflow_id] = _pack({**current, **fields})
        return True

    def end(
        self,
        contact_id: str,
        workflow_id: str,
        execution_arn: str,
        status: str,
        ended_at: str,
        error: str | None,
    ) -> dict[str, Any]:
        current = self.get(contact_id, workflow_id) or {}
        fields: dict[str, Any] = {"ended_at": current.get("ended_at") or ended_at}
        if current.get("status") == "running":
            fields["status"] = status
        self.update(contact_id, workflow_id, execution_arn, {**fields, **({"error": error} if error else {})})
        return current

    def delete(self, contact_id: str, workflow_id: str) -> None:
        self._items.get(contact_id, {}).pop(workflow_id, None)

    def clear_wait(self, contact_id: str, workflow_id: str, token: str) -> bool:
        current = self.get(contact_id, workflow_id)
        if current is None or (current.get("waiting") or {}).get("token") != token:
            return False
        self._items[contact_id][workflow_id] = _pack({k: v for k, v in current.items() if k != "waiting"})
        return True


# An event is kept as a row of its fields, not as a model: a forecast keeps every event of up to
# 100,000 contacts, and a row takes about a third of a model's memory (tracemalloc: 390 B against
# 1,350 B for an email_sent). Reads rebuild the model, as the DynamoDB store's reads do.
_EVENT_FIELDS = tuple(TrackedEvent.model_fields)
_Row = tuple[Any, ...]  # (occurred_at, id, *the other fields in _EVENT_FIELDS' order); None: unset
_REST = tuple(name for name in _EVENT_FIELDS if name not in ("occurred_at", "id"))


def _row(event: TrackedEvent) -> _Row:
    fields = _shared(event.__dict__)
    fields["properties"] = event.properties or None  # most events have none
    return (event.occurred_at, event.id, *(fields[name] for name in _REST))


def _event(row: _Row) -> TrackedEvent:
    given = {"occurred_at": row[0], "id": row[1]}
    given.update((name, value) for name, value in zip(_REST, row[2:], strict=True) if value is not None)
    # Validated, as the store's reads are: pydantic-core builds it faster than model_construct,
    # which looks up each missing field's default in Python.
    return TrackedEvent(**given)


def _sort_key(row: _Row) -> tuple[str, str]:
    """The store's sort key ``{occurred_at}#{id}``, compared the same way: '#' sorts before every
    character of a timestamp, so (occurred_at, id) orders as the joined string does."""
    return row[0], row[1]


class MemoryEvents:
    """A contact's history in time order, and each event id recorded once."""

    def __init__(self) -> None:
        self._histories: dict[str, list[_Row]] = {}
        self._ids: set[str] = set()

    def record(self, event: TrackedEvent) -> bool:
        if event.id in self._ids:
            return False
        self._ids.add(event.id)
        owner = event.contact_id or f"anon#{event.anonymous_id}"
        self._insert(self._histories.setdefault(owner, []), _row(event))
        return True

    @staticmethod
    def _insert(history: list[_Row], row: _Row) -> None:
        if history and _sort_key(history[-1]) > _sort_key(row):
            bisect.insort(history, row, key=_sort_key)
        else:
            history.append(row)  # the usual case: events arrive in time order

    def history(self, owner: str, since: str | None = None) -> list[TrackedEvent]:
        history = self._histories.get(owner, [])
        start = 0 if since is None else bisect.bisect_left(history, (since, ""), key=_sort_key)
        return [_event(row) for row in history[start:]]

    def rehome(self, owner: str, contact_id: str) -> int:
        moved = self._histories.pop(owner, [])
        history = self._histories.setdefault(contact_id, [])
        for row in moved:
            event = _event(row).model_copy(update={"contact_id": contact_id})
            self._insert(history, _row(event))
        return len(moved)

    def erase(self, owner: str) -> int:
        history = self._histories.pop(owner, [])
        self._ids.difference_update(row[1] for row in history)
        return len(history)


class MemoryScoringRules:
    """The scoring rules document in force (None: the defaults), as ``store.scoring`` keeps it."""

    def __init__(self, document: dict[str, Any] | None = None) -> None:
        self._document = None if document is None else dict(document)

    def get(self) -> dict[str, Any] | None:
        return None if self._document is None else dict(self._document)

    def put(self, document: dict[str, Any], now: str) -> None:
        self._document = {**document, "updated_at": now}


class MemorySends:
    def __init__(self) -> None:
        self._items: dict[str, _Packed] = {}

    def get(self, send_id: str) -> dict[str, Any] | None:
        send = self._items.get(send_id)
        return None if send is None else _unpack(send)

    def of_contact(self, contact_id: str) -> list[str]:
        return sorted(send["id"] for send in self.all() if send.get("contact_id") == contact_id)

    def delete(self, send_id: str) -> bool:
        return self._items.pop(send_id, None) is not None

    def put(self, send: dict[str, Any]) -> None:
        self._items[send["id"]] = _pack(send)

    def claim(self, send: dict[str, Any]) -> bool:
        if send["id"] in self._items:
            return False
        self._items[send["id"]] = _pack(send)
        return True

    def release(self, send_id: str) -> bool:
        if (self.get(send_id) or {}).get("status") != "sending":
            return False
        del self._items[send_id]
        return True

    def settle(self, send_id: str, status: str, reason: str) -> bool:
        current = self.get(send_id)
        if current is None or current.get("status") != "sending":
            return False
        self._items[send_id] = _pack({**current, "status": status, "reason": reason})
        return True

    def mark(self, send_id: str, field: str, at: str) -> None:
        current = self.get(send_id)
        if current is None:
            raise MissingItemError(send_id)
        if field not in current:
            self._items[send_id] = _pack({**current, field: at})

    def all(self) -> Iterator[dict[str, Any]]:
        for send in self._items.values():
            yield _unpack(send)


class MemoryLedger:
    """The ledger's totals, and each workflow's spend by month (what budgets read from the rollups).
    A line recorded again under its id (a retried send) counts once, as the store's conditional
    transaction does; lines are summed as they come, not kept."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._total = ServiceCosts()
        self._by_month: dict[tuple[str, str], Decimal] = {}

    def record(self, entry: LedgerEntry) -> bool:
        if entry.entry_id in self._ids:
            return False
        self._ids.add(entry.entry_id)
        self._total += entry.usd
        at = (entry.workflow, month_of(entry.day))
        self._by_month[at] = self._by_month.get(at, Decimal(0)) + entry.usd.total
        return True

    def total(self) -> ServiceCosts:
        return self._total

    def workflow_month_spend(self, workflow: str, month: str) -> Decimal:
        return self._by_month.get((workflow, month), Decimal(0))


class CountingBudgetAlarm:
    """The budget alarm metric, counted by workflow instead of sent to CloudWatch."""

    def __init__(self) -> None:
        self.exceeded: dict[str, int] = {}

    def budget_exceeded(self, workflow: str) -> None:
        self.exceeded[workflow] = self.exceeded.get(workflow, 0) + 1


class MemoryEngagement:
    """The audience's engagement hours (``store.engagement``)."""

    def __init__(self) -> None:
        self._counts: dict[str, dict[int, int]] = {}

    def add(self, workflow: str, hour_of_week: int) -> None:
        for owner in (workflow, "*"):
            hours = self._counts.setdefault(owner, {})
            hours[hour_of_week] = hours.get(hour_of_week, 0) + 1

    def hours(self, workflow: str) -> dict[int, int]:
        return dict(self._counts.get(workflow) or self._counts.get("*") or {})


class MemoryTemplates:
    def __init__(self) -> None:
        self._items: dict[str, dict[str, Any]] = {}

    def get(self, template_id: str) -> dict[str, Any] | None:
        template = self._items.get(template_id)
        return None if template is None else dict(template)

    def exists(self, template_id: str) -> bool:
        return template_id in self._items

    def sendable(self, template_id: str) -> bool:
        template = self._items.get(template_id)
        return template is not None and template.get("kind", "email") == "email"

    def summaries(self) -> list[dict[str, Any]]:
        return [
            {
                "id": template_id,
                "kind": t.get("kind", "email"),
                "subject": t.get("subject") or None,
                "updated_at": t.get("updated_at"),
            }
            for template_id, t in sorted(self._items.items())
        ]

    def put(self, template_id: str, template: dict[str, Any]) -> bool:
        created = template_id not in self._items
        self._items[template_id] = {**template, "id": template_id}
        return created

    def delete_if_unchanged(self, template_id: str, updated_at: str) -> None:
        if (self._items.get(template_id) or {}).get("updated_at") == updated_at:
            del self._items[template_id]


class MemoryWorkflows:
    def __init__(self) -> None:
        self._meta: dict[str, dict[str, Any]] = {}
        self._versions: dict[str, dict[int, dict[str, Any]]] = {}

    def meta(self, workflow_id: str) -> dict[str, Any] | None:
        meta = self._meta.get(workflow_id)
        return None if meta is None else dict(meta)

    def publish(self, meta: dict[str, Any], version: dict[str, Any], expected_version: int) -> None:
        current = self._meta.get(meta["id"], {}).get("version", 0)
        if current != expected_version:
            raise RuntimeError(f"workflow {meta['id']} moved to version {current} meanwhile")
        self._versions.setdefault(meta["id"], {})[int(version["version"])] = dict(version)
        self._meta[meta["id"]] = dict(meta)

    def set_status(self, workflow_id: str, status: str, now: str) -> dict[str, Any]:
        if workflow_id not in self._meta:
            raise MissingItemError(workflow_id)
        if self._meta[workflow_id].get("status") == "archived" and status != "archived":
            raise WorkflowArchivedError(workflow_id)
        self._meta[workflow_id] = {**self._meta[workflow_id], "status": status, "updated_at": now}
        return dict(self._meta[workflow_id])

    def version(self, workflow_id: str, version: int) -> dict[str, Any] | None:
        found = self._versions.get(workflow_id, {}).get(version)
        return None if found is None else dict(found)

    def versions(self, workflow_id: str) -> list[dict[str, Any]]:
        return [dict(v) for v in self._versions.get(workflow_id, {}).values()]

    def mark_pruned(self, workflow_id: str, version: int, at: str) -> None:
        found = self._versions.get(workflow_id, {}).get(version)
        if found is None:
            raise MissingItemError(f"{workflow_id} v{version}")
        found.setdefault("pruned_at", at)

    def all_meta(self) -> list[dict[str, Any]]:
        return [dict(self._meta[key]) for key in sorted(self._meta)]


class MemoryStats:
    """``StatsRepository``: counters per workflow version, each key counted once."""

    def __init__(self) -> None:
        self._counted: set[str] = set()
        self._items: dict[tuple[str, int, str], dict[str, Any]] = {}  # by workflow, version, day

    def count_once(
        self, key: str, workflow: str, version: int, counters: dict[str, Any], expires_at: int, day: str
    ) -> bool:
        if not counters or key in self._counted:
            return False
        self._counted.add(key)
        item = self._items.setdefault((workflow, version, day), {})
        for name, amount in counters.items():
            item[name] = item.get(name, 0) + amount
        return True

    def of_workflow(self, workflow: str, days: tuple[str, str] | None = None) -> dict[int, dict[str, Any]]:
        versions: dict[int, dict[str, Any]] = {}
        for (name, version, day), item in sorted(self._items.items()):
            if name != workflow or (days is not None and not days[0] <= day <= days[1]):
                continue
            merged = versions.setdefault(version, {})
            for counter, amount in item.items():
                merged[counter] = merged.get(counter, 0) + to_plain(amount)
        return versions
