"""Joining anonymous history to a contact when an event brings both an email and an anonymous id.

The link itself (the ``alias#`` item and the contact's ``anonymous_ids``) is written with the event,
in its transaction (``store.ingest_writes``); what follows here repairs and moves, idempotently.
"""

from __future__ import annotations

from typing import Any

# The anonymous ids a contact keeps (browsers, devices); the oldest link is dropped beyond this.
MAX_ANONYMOUS_IDS = 20


def joined_ids(current: list[str], anonymous_id: str) -> tuple[list[str], list[str]]:
    """The contact's anonymous ids with this one joined (most recent last), and those dropped."""
    if anonymous_id in current:
        return current, []
    kept = [*current, anonymous_id]
    return kept[-MAX_ANONYMOUS_IDS:], kept[:-MAX_ANONYMOUS_IDS]


class IdentityJoin:
    def __init__(self, events: Any, aliases: Any) -> None:
        self._events, self._aliases = events, aliases

    def contact_of(self, anonymous_id: str) -> str | None:
        """The contact an anonymous id was joined to: later anonymous-only events are attributed to it."""
        result: str | None = self._aliases.contact_of(anonymous_id)
        return result

    def settle(self, anonymous_id: str, contact_id: str, dropped: list[str]) -> int:
        """After the link is written: forget dropped links, move the id's anonymous events under the
        contact; how many moved.

        Linking first means an anonymous event arriving meanwhile lands on the contact directly.
        Moving is idempotent (same keys, same ids), so a retried post never duplicates history.
        """
        for old in dropped:
            self._aliases.unlink(old, contact_id)
        moved: int = self._events.rehome(f"anon#{anonymous_id}", contact_id)
        return moved
