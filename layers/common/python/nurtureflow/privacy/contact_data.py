"""Everything held on one contact, across the tables: exported as one document, or erased.

Where a contact's data lives: the contact item (properties, score, lists, consent), its events
(pk contact id; ``task_created`` events are its tasks), the ``anon#`` events of the anonymous ids
seen on its own events, its runs (pk contact id) and its sends. Sends are keyed by send id: they
are found through the sends table's ``by_contact`` index (skipped and rejected sends have no event
that names them) and through the contact's events that name a ``send_id``, so a send written before
the index existed is found too. Ledger lines are cost data without PII and stay. Broadcasts whose
segment or name holds the address keep working without it (``privacy.broadcast_audiences``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from nurtureflow.contacts.model import Contact, InvalidEmailError, contact_id_for, normalise_email
from nurtureflow.events.model import TrackedEvent
from nurtureflow.privacy.broadcast_audiences import Audiences, scrub_address

ERASURE_CAUSE = "contact erased (GDPR)"
# A run's waiting token would resume its execution: a capability, not data about the person.
_RUN_SECRETS = ("token",)


class ContactUnknownError(Exception):
    """No data is held on this contact id or email."""


class Stopper(Protocol):
    def stop(self, execution_arn: str, cause: str) -> bool: ...


def contact_id_of(id_or_email: str) -> str:
    """The contact id a path segment names: an email (normalised, then hashed) or the id itself."""
    if "@" not in id_or_email:
        return id_or_email
    try:
        return contact_id_for(id_or_email)
    except InvalidEmailError:
        raise ContactUnknownError(id_or_email) from None


@dataclass(frozen=True)
class Erased:
    """What an erasure removed, by kind: the DELETE route's answer."""

    contact: int
    events: int
    anonymous_events: int
    sends: int
    runs: int
    executions_stopped: int
    broadcasts: int = 0  # broadcasts whose segment or name named the address

    @property
    def anything(self) -> bool:
        return any((self.contact, self.events, self.anonymous_events, self.sends, self.runs, self.broadcasts))

    def as_dict(self) -> dict[str, int]:
        return {
            "contact": self.contact,
            "events": self.events,
            "anonymous_events": self.anonymous_events,
            "sends": self.sends,
            "runs": self.runs,
            "executions_stopped": self.executions_stopped,
            "broadcasts": self.broadcasts,
        }


def anonymous_ids(events: list[TrackedEvent]) -> list[str]:
    """The anonymous ids the contact's own events link to it (an identified event carrying both)."""
    return sorted({e.anonymous_id for e in events if e.anonymous_id})


def send_ids(events: list[TrackedEvent]) -> list[str]:
    return sorted({e.send_id for e in events if e.send_id})


def _dumped(events: list[TrackedEvent]) -> list[dict[str, Any]]:
    return [e.model_dump(mode="json", exclude_none=True) for e in events]


def exported_run(run: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in run.items() if k not in ("pk", "sk")}
    if isinstance(shown.get("waiting"), dict):
        shown["waiting"] = {k: v for k, v in shown["waiting"].items() if k not in _RUN_SECRETS}
    return shown


class ContactData:
    def __init__(
        self,
        contacts: Any,
        events: Any,
        runs: Any,
        sends: Any,
        executions: Stopper,
        aliases: Any = None,
        broadcasts: Audiences | None = None,
    ) -> None:
        # ``store.aliases``: anonymous ids joined to the contact, unlinked on erasure.
        self._aliases = aliases
        # ``store.broadcasts``: segments and names that may hold the address.
        self._broadcasts = broadcasts
        self._contacts, self._events, self._runs = contacts, events, runs
        self._sends, self._executions = sends, executions

    def export(self, id_or_email: str) -> dict[str, Any]:
        contact_id = contact_id_of(id_or_email)
        contact: Contact | None = self._contacts.get(contact_id)
        if contact is None:
            raise ContactUnknownError(id_or_email)
        events = self._events.history(contact_id)
        anonymous = [e for a in anonymous_ids(events) for e in self._events.history(f"anon#{a}")]
        sends = [s for s in (self._sends.get(i) for i in self._send_ids(contact_id, events)) if s is not None]
        return {
            "contact": contact.model_dump(mode="json"),
            "score": contact.score,
            "events": [e.model_dump(mode="json", exclude_none=True) for e in events],
            "anonymous_events": [e.model_dump(mode="json", exclude_none=True) for e in anonymous],
            "tasks": [
                e.model_dump(mode="json", exclude_none=True) for e in events if e.type == "task_created"
            ],
            "sends": [{k: v for k, v in s.items() if k != "pk"} for s in sends],
            "runs": [exported_run(r) for r in self._runs.of_contact(contact_id)],
        }

    def _send_ids(self, contact_id: str, events: list[TrackedEvent]) -> list[str]:
        return sorted({*self._sends.of_contact(contact_id), *send_ids(events)})

    def erase(self, id_or_email: str) -> Erased:
        """Erase the contact everywhere; ContactUnknownError when nothing at all was held on it.

        The contact item goes first: a run step that is mid-flight then finds it missing (the step
        raises ContactGoneError, the send step skips). The rest is swept by contact id whether or
        not the item was there, so a DELETE repeated after a partial failure finishes the job.
        Sends are erased before the events that lead to them.
        """
        contact_id = contact_id_of(id_or_email)
        address = self._address(id_or_email, contact_id)  # read before the contact item goes
        contact_removed = self._contacts.delete(contact_id)
        runs = self._runs.of_contact(contact_id)
        stopped = sum(
            self._executions.stop(r["execution_arn"], ERASURE_CAUSE)
            for r in runs
            if r.get("status") == "running" and r.get("execution_arn")
        )
        for run in runs:
            self._runs.delete(contact_id, run["sk"])
        events = self._events.history(contact_id)
        sends = sum(self._sends.delete(i) for i in self._send_ids(contact_id, events))
        anonymous = sum(self._events.erase(f"anon#{a}") for a in anonymous_ids(events))
        for joined in anonymous_ids(events) if self._aliases is not None else []:
            self._aliases.unlink(joined, contact_id)  # later anonymous events stay anonymous
        erased = Erased(
            contact=int(contact_removed),
            events=self._events.erase(contact_id),
            anonymous_events=anonymous,
            sends=sends,
            runs=len(runs),
            executions_stopped=stopped,
            broadcasts=scrub_address(self._broadcasts, address) if self._broadcasts and address else 0,
        )
        if not erased.anything:
            raise ContactUnknownError(id_or_email)
        return erased

    def _address(self, id_or_email: str, contact_id: str) -> str | None:
        """The address being erased: the path's own, or the stored contact's (None once it is gone)."""
        if "@" in id_or_email:
            return normalise_email(id_or_email)
        contact: Contact | None = self._contacts.get(contact_id)
        return None if contact is None else contact.email
