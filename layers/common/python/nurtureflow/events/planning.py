"""Planning a post before its first write: each event's transaction, from reads only.

Contacts and aliases are read once and then followed in memory, so the second event of a batch
for the same contact starts from what the first one leaves; a contact the post would grow past
DynamoDB's item limit refuses the post here, before anything is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from nurtureflow.contacts.changes import MAX_CONTACT_BYTES, ContactChange
from nurtureflow.contacts.consent import CONSENT_EVENT, confirmed_by
from nurtureflow.contacts.model import contact_id_for
from nurtureflow.events.identity import joined_ids
from nurtureflow.events.model import IncomingEvent, TrackedEvent
from nurtureflow.store.ingest_writes import AliasLink, EventWrite

_UNREAD = object()


@dataclass
class Settle:
    """A join's follow-up once its link is written (``IdentityJoin.settle``)."""

    anonymous_id: str
    contact_id: str
    dropped: list[str]


@dataclass
class Plan:
    writes: list[EventWrite] = field(default_factory=list)
    settles: list[Settle] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)


class PostPlanner:
    """Reads through ``writes`` (``IngestWrites``) and ``identities`` (``IdentityJoin``, or None:
    anonymous events then stay anonymous)."""

    def __init__(self, writes: Any, identities: Any, now: str) -> None:
        self._writes, self._identities, self._now = writes, identities, now
        self._contacts: dict[str, dict[str, Any] | None] = {}
        self._aliases: dict[str, dict[str, Any] | None] = {}

    def plan(self, events: list[tuple[str, IncomingEvent]], batched: bool) -> Plan:
        """``events`` pairs each incoming event with its platform id."""
        plan = Plan()
        # Every contact the post names, read at once (one call per 100) before planning event by event.
        named = [contact_id_for(e.email) for _, e in events if e.email is not None]
        unread = [i for i in dict.fromkeys(named) if i not in self._contacts]
        if unread:
            self._contacts.update(self._writes.contact_items(unread))
        for index, (event_id, event) in enumerate(events):
            write = self._write(event_id, event, plan)
            change = write.contact
            if change is not None:
                after = change.after()
                if len(json.dumps(after).encode()) > MAX_CONTACT_BYTES:
                    where = f"batch/{index}/traits" if batched else "traits"
                    message = f"the contact would hold more than {MAX_CONTACT_BYTES} bytes"
                    plan.problems.append({"field": where, "message": message})
                self._contacts[change.contact_id] = after
            plan.writes.append(write)
        return plan

    def _write(self, event_id: str, incoming: IncomingEvent, plan: Plan) -> EventWrite:
        contact_id, change, alias = None, None, None
        if incoming.email is not None:
            contact_id = contact_id_for(incoming.email)
            change = ContactChange(contact_id, incoming.email, self._now, self._contact(contact_id))
            change.apply_traits(incoming.traits)
            if incoming.anonymous_id is not None and self._identities is not None:
                alias = self._join(incoming.anonymous_id, change, plan)
        elif incoming.anonymous_id is not None and self._identities is not None:
            contact_id = self._joined(incoming.anonymous_id)
            if contact_id is not None and incoming.type == CONSENT_EVENT:
                before = self._contact(contact_id)
                if before is not None:
                    change = ContactChange(contact_id, str(before["email"]), self._now, before)
        event = TrackedEvent(
            id=event_id,
            type=incoming.type,
            contact_id=contact_id,
            anonymous_id=incoming.anonymous_id,
            properties=incoming.properties,
            occurred_at=(incoming.occurred_at.isoformat() if incoming.occurred_at else self._now),
            received_at=self._now,
        )
        if change is not None and event.type == CONSENT_EVENT:
            # In the event's own write: a workflow this event starts must already see the consent.
            change.sets["consent"] = confirmed_by(event.id, event.type, event.occurred_at, event.properties)
        return EventWrite(event, change, alias)

    def _join(self, anonymous_id: str, change: ContactChange, plan: Plan) -> AliasLink:
        before = self._alias(anonymous_id)
        current = list((change.before or {}).get("anonymous_ids", []))
        kept, dropped = joined_ids(current, anonymous_id)
        if kept != current:
            change.sets["anonymous_ids"] = kept
        plan.settles.append(Settle(anonymous_id, change.contact_id, dropped))
        link = AliasLink(anonymous_id, change.contact_id, self._now, before)
        self._aliases[anonymous_id] = {
            "pk": f"alias#{anonymous_id}",
            "sk": "-",
            "contact_id": change.contact_id,
            "linked_at": self._now,
        }
        return link

    def _joined(self, anonymous_id: str) -> str | None:
        if anonymous_id in self._aliases:
            alias = self._aliases[anonymous_id]
            return None if alias is None else str(alias["contact_id"])
        joined: str | None = self._identities.contact_of(anonymous_id)
        return joined

    def _contact(self, contact_id: str) -> dict[str, Any] | None:
        if contact_id not in self._contacts:
            self._contacts[contact_id] = self._writes.contact_item(contact_id)
        return self._contacts[contact_id]

    def _alias(self, anonymous_id: str) -> dict[str, Any] | None:
        if anonymous_id not in self._aliases:
            self._aliases[anonymous_id] = self._writes.alias_item(anonymous_id)
        return self._aliases[anonymous_id]
