"""Traits only a secret server key may set: those the operator names, and any that holds a link.

Templates put traits into emails, links included (``<a href="{{ contact.properties.site }}">``), so
a trait set through the public site key is text anyone chose. A value holding a link (a URL with a
scheme, a ``javascript:`` or ``data:`` URL, a ``www.`` name) is refused from the publishable key
whatever the trait's name, and so is every trait whose name matches ``protected_traits``
(``fnmatch`` patterns, any case: ``plan``, ``account_*``). Event ``properties`` are not traits: they
describe the event (a cart's URL) and stay open to the site key; docs/security.md says what
templates should make of that.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from typing import Any

from nurtureflow.events.model import IncomingEvent

_LINK = re.compile(r"[a-z][a-z0-9+.-]*://|^\s*(javascript|vbscript|data)\s*:|\bwww\.", re.IGNORECASE)


class ProtectedTraitError(Exception):
    """A post from the publishable key setting protected traits: refused whole; ``details`` name them."""

    def __init__(self, details: list[dict[str, str]]) -> None:
        super().__init__("the post sets traits only a server key may set")
        self.details = details


def holds_link(value: Any) -> bool:
    """Whether a trait's value, or any string inside it, holds a link."""
    if isinstance(value, str):
        return _LINK.search(value) is not None
    if isinstance(value, dict):
        return any(holds_link(item) for item in value.values())
    if isinstance(value, list):
        return any(holds_link(item) for item in value)
    return False


def protected_trait_problems(
    events: Iterable[IncomingEvent], patterns: list[str], batched: bool
) -> list[dict[str, str]]:
    """One detail per protected trait the events set, named by its JSON path (``batch/3/traits/x``)."""
    lowered = [pattern.lower() for pattern in patterns]
    problems = []
    for i, event in enumerate(events):
        prefix = f"batch/{i}/traits" if batched else "traits"
        for name, value in event.traits.items():
            if any(fnmatch.fnmatchcase(name.lower(), pattern) for pattern in lowered):
                reason = "a protected trait: only a server key may set it"
            elif holds_link(value):
                reason = "holds a link: only a server key may set such a trait"
            else:
                continue
            problems.append({"field": f"{prefix}/{name}", "message": reason})
    return problems
