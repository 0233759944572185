"""Pages of a listing: ``?limit=N`` items at a time, ``&after=ID`` to go on from the last one seen.

The workflows and templates are listings of at most a few thousand items kept by id, so the cursor
is the last id itself (nothing to decode or forge). Without ``limit`` a listing comes whole, as it
always did, and ``next`` is null.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nurtureflow.api.errors import RequestInvalidError

MAX_LIMIT = 1000


def page_of(
    items: list[dict[str, Any]], query: Mapping[str, str] | None
) -> tuple[list[dict[str, Any]], str | None]:
    """The page ``query`` asks for, by id, and the id to pass as ``after`` for the next (or None)."""
    query = query or {}
    ordered = sorted(items, key=lambda item: str(item["id"]))
    after = query.get("after")
    if after is not None:
        ordered = [item for item in ordered if str(item["id"]) > after]
    limit = parse_limit(query)
    if limit is None:
        return ordered, None
    shown = ordered[:limit]
    return shown, str(shown[-1]["id"]) if len(ordered) > limit else None


def parse_limit(query: Mapping[str, str]) -> int | None:
    """``?limit=N`` (1 to ``MAX_LIMIT``), or None when it is not given."""
    text = query.get("limit")
    if text is None:
        return None
    try:
        limit = int(text)
    except ValueError:
        raise RequestInvalidError("limit", f"limit must be a whole number from 1 to {MAX_LIMIT}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise RequestInvalidError("limit", f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return limit
