"""A period of whole days from a query's ``from`` and ``to``: ISO dates, both included, at most
``MAX_DAYS``. The cost report and a workflow's stats read their periods the same way."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

MAX_DAYS = 366
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class QueryError(ValueError):
    """A query parameter the caller must fix; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def parse_period(query: Mapping[str, str], error: type[QueryError] = QueryError) -> tuple[date, date]:
    """``from`` and ``to``; ``error`` (naming the parameter) for a missing or malformed day, ``to``
    before ``from``, or more than ``MAX_DAYS`` days."""
    start, end = _day(query, "from", error), _day(query, "to", error)
    if end < start:
        raise error("to", "'to' must not be before 'from'")
    if (end - start).days + 1 > MAX_DAYS:
        raise error("to", f"a period covers at most {MAX_DAYS} days")
    return start, end


def _day(query: Mapping[str, str], field: str, error: type[QueryError]) -> date:
    raw = query.get(field)
    if not raw:
        raise error(field, f"'{field}' is required, as a date such as 2026-11-01")
    try:
        if not _ISO_DAY.match(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise error(field, f"'{field}' must be a date such as 2026-11-01, not '{raw}'") from None
