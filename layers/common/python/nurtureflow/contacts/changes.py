"""One event's change to a contact, computed from the contact as it stands before the write.

Ingest plans every change of a post first (reads only), then writes; knowing the contact before
each change is what lets a failed post be undone exactly (``events.ingest``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from nurtureflow.contacts.model import NAMED_TRAITS

# DynamoDB refuses items over 400 KB; the contact is refused before it gets near that.
MAX_CONTACT_BYTES = 350_000


@dataclass
class ContactChange:
    """What one event sets and removes on a contact; ``before`` is None for a new contact."""

    contact_id: str
    email: str
    now: str
    before: dict[str, Any] | None
    sets: dict[str, Any] = field(default_factory=dict)  # top-level attributes
    removes: set[str] = field(default_factory=set)
    property_sets: dict[str, Any] = field(default_factory=dict)  # keys of ``properties``
    property_removes: set[str] = field(default_factory=set)

    def apply_traits(self, traits: dict[str, Any]) -> None:
        """Named traits set fields and other keys set properties; a null removes either."""
        for key, value in traits.items():
            if key in NAMED_TRAITS:
                sets, removes = self.sets, self.removes
            else:
                sets, removes = self.property_sets, self.property_removes
            if value is None:
                removes.add(key)
                sets.pop(key, None)
            else:
                sets[key] = value
                removes.discard(key)

    def after(self) -> dict[str, Any]:
        """The contact item as it stands after the change (what the next event's change starts from)."""
        if self.before is None:
            item: dict[str, Any] = {
                "pk": self.contact_id,
                "id": self.contact_id,
                "email": self.email,
                "created_at": self.now,
                "score": 0,
                "lifecycle_stage": "subscriber",
                "properties": {},
            }
        else:
            item = copy.deepcopy(self.before)
        item["updated_at"] = self.now
        item.update(self.sets)
        for key in self.removes:
            item.pop(key, None)
        properties = item.setdefault("properties", {})
        properties.update(self.property_sets)
        for key in self.property_removes:
            properties.pop(key, None)
        return item
