"""Joining anonymous history to a contact when an event brings both an email and an anonymous id."""

from __future__ import annotations

from typing import Any

from nurtureflow.contacts.model import Contact

# The anonymous ids a contact keeps (browsers, devices); the oldest link is dropped beyond this.
MAX_ANONYMOUS_IDS = 20


class IdentityJoin:
    def __init__(self, contacts: Any, events: Any, aliases: Any) -> None:
        self._contacts, self._events, self._aliases = contacts, events, aliases

    def contact_of(self, anonymous_id: str) -> str | None:
        """The contact an anonymous id was joined to: later anonymous-only events are attributed to it."""
        result: str | None = self._aliases.contact_of(anonymous_id)
        return result

    def join(self, anonymous_id: str, contact: Contact, now: str) -> int:
        """Link the id to the contact, then move its anonymous events under the contact; how many moved.

        Linking first means an anonymous event arriving meanwhile lands on the contact directly.
        Moving is idempotent (same keys, same ids), so a retried join never duplicates history.
        """
        self._aliases.link(anonymous_id, contact.id, now)
        if anonymous_id not in contact.anonymous_ids:
            kept = [*contact.anonymous_ids, anonymous_id]
            for dropped in kept[:-MAX_ANONYMOUS_IDS]:
                self._aliases.unlink(dropped, contact.id)
            self._contacts.set_anonymous_ids(contact.id, kept[-MAX_ANONYMOUS_IDS:], now)
        moved: int = self._events.rehome(f"anon#{anonymous_id}", contact.id)
        return moved
