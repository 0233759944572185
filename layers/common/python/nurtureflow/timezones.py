"""IANA time zones by name, as contacts and workflows give them, the same on every machine.

``ZoneInfo`` reads the host's zone files first: there ``localtime`` is the host's own zone and
``posix/…``, ``right/…`` and ``Factory`` are system variants, none of them a zone a person lives
in. They are refused here, so a contact's data never decides which host file is read. The
``tzdata`` package ships with the layer: the Lambda runtime's own zone files are not relied on.
"""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = ZoneInfo("UTC")
_HOST_ONLY = frozenset({"localtime", "posixrules", "factory"})
_MAX_NAME = 64


@lru_cache(maxsize=512)
def find_zone(name: str | None) -> ZoneInfo | None:
    """The zone an IANA name (``Europe/Paris``, ``UTC``) names, or None when it names none."""
    if not isinstance(name, str):
        return None
    key = name.strip()
    lowered = key.lower()
    if not key or len(key) > _MAX_NAME or lowered in _HOST_ONLY or lowered.startswith(("posix/", "right/")):
        return None
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
