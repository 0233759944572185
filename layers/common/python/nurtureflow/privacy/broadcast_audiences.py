"""An erased address leaves the broadcasts that named it.

A broadcast keeps the segment it was created with (``{"field": "contact.email", "op": "eq",
"value": "ann@example.com"}``, an ``in`` list of addresses...) and its name, which a marketer may
have written an address into. Erasure replaces every string value that holds the address (in any
case) with ``ERASED``: a value that is no address, so the condition matches nobody in its place,
as the erased contact no longer exists either. The rest of the segment keeps working.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Protocol

ERASED = "[erased]"


class Audiences(Protocol):
    def audiences(self) -> Iterable[dict[str, Any]]: ...

    def replace_audience(self, broadcast_id: str, name: str, segment: dict[str, Any]) -> bool: ...


def scrubbed(value: Any, address: str) -> Any:
    """``value`` with every string holding ``address`` (case-insensitive) replaced by ``ERASED``."""
    if isinstance(value, str):
        return ERASED if address.lower() in value.lower() else value
    if isinstance(value, dict):
        return {key: scrubbed(item, address) for key, item in value.items()}
    if isinstance(value, list):
        return [scrubbed(item, address) for item in value]
    return value


def scrub_address(audiences: Audiences, address: str) -> int:
    """Take ``address`` out of every broadcast's segment and name; how many broadcasts changed."""
    changed = 0
    for broadcast in audiences.audiences():
        name, segment = str(broadcast.get("name") or ""), broadcast.get("segment") or {}
        new_name = re.sub(re.escape(address), ERASED, name, flags=re.IGNORECASE)
        new_segment = scrubbed(segment, address)
        if (new_name, new_segment) != (name, segment):
            changed += audiences.replace_audience(str(broadcast["id"]), new_name, new_segment)
    return changed
