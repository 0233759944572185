"""The stats route's answer: a workflow's counters per step, for one version or all of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from nurtureflow.periods import QueryError, parse_period
from nurtureflow.stats.counters import REVENUE_PREFIX, STEP_PREFIX
from nurtureflow.stats.lift import lift, reached

STEP_COUNTERS = (
    "entered",
    "sent",
    "unconfirmed",
    "opened",
    "machine_opened",
    "clicked",
    "unsubscribed",
    "exited_by_goal",
)
RUN_COUNTERS = ("enrolled", "ended", "exited_by_goal", "conversions")
_QUERY_KEYS = frozenset({"version", "from", "to"})


class StatsQueryError(QueryError):
    """A query parameter the caller must fix; ``field`` names it."""


@dataclass(frozen=True)
class StatsQuery:
    version: int | None = None  # None: every version together
    period: tuple[date, date] | None = None  # None: all time

    @property
    def days(self) -> tuple[str, str] | None:
        return None if self.period is None else (self.period[0].isoformat(), self.period[1].isoformat())


def parse_stats_query(query: Mapping[str, str]) -> StatsQuery:
    """``?version=n`` (a positive integer) and ``?from=&to=`` (UTC days, both or neither)."""
    for key in query:
        if key not in _QUERY_KEYS:
            raise StatsQueryError(key, f"'{key}' is not a known query parameter: use version, from and to")
    raw = query.get("version")
    version = None
    if raw is not None:
        if not raw.isdigit() or int(raw) < 1:
            raise StatsQueryError("version", f"version must be a positive integer, not '{raw}'")
        version = int(raw)
    if "from" not in query and "to" not in query:
        return StatsQuery(version)
    return StatsQuery(version, parse_period(query, StatsQueryError))


def build_stats(
    meta: dict[str, Any],
    documents: dict[int, dict[str, Any]],
    counters: dict[int, dict[str, Any]],
    version: int | None,
    period: tuple[date, date] | None = None,
    all_time: dict[int, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Sum the counters of the chosen versions; steps in the newest chosen document's order, then
    steps only older versions had. With a ``period``, ``counters`` are the period's and
    ``all_time``'s give ``in_flight`` (runs going now, whenever they started)."""
    chosen = [version] if version is not None else sorted(documents)
    totals = _sum(counters, chosen)
    now = totals if all_time is None else _sum(all_time, chosen)
    step_types: dict[str, str] = {}
    for number in sorted(chosen, reverse=True):
        for step_id, step in (documents[number].get("steps") or {}).items():
            step_types.setdefault(step_id, str(step.get("type")))
    enrolled, ended = int(now.get("enrolled", 0)), int(now.get("ended", 0))
    return {
        "id": meta["id"],
        "name": meta.get("name"),
        "status": meta.get("status"),
        "version": version,
        "versions": chosen,
        "period": None if period is None else {"from": period[0].isoformat(), "to": period[1].isoformat()},
        **{name: int(totals.get(name, 0)) for name in RUN_COUNTERS},
        "in_flight": max(0, enrolled - ended),
        "revenue": {
            name.removeprefix(REVENUE_PREFIX): _number(amount)
            for name, amount in sorted(totals.items())
            if name.startswith(REVENUE_PREFIX)
        },
        "steps": [_step(step_id, kind, totals) for step_id, kind in step_types.items()],
        "holdout": _holdout(documents, chosen, totals),
    }


def _holdout(
    documents: dict[int, dict[str, Any]], chosen: list[int], totals: dict[str, Decimal]
) -> dict[str, Any] | None:
    """The holdout's groups and lift (``stats.lift``), with the step as the newest chosen version
    that has one writes it; None when no chosen version has one and no contact reached one."""
    figures = lift(totals)
    step: dict[str, Any] | None = None
    for number in sorted(chosen, reverse=True):
        for step_id, spec in (documents[number].get("steps") or {}).items():
            if spec.get("type") == "holdout" and step is None:
                step = {
                    "step": step_id,
                    "percent": spec["percent"],
                    "measure_for": spec.get("measure_for", "P30D"),
                }
    if step is None and not reached(figures):
        return None
    return {**(step or {}), **figures}


def _sum(counters: dict[int, dict[str, Any]], versions: list[int]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for number in versions:
        for name, amount in counters.get(number, {}).items():
            if isinstance(amount, int | float):
                # Decimal sums: money added across versions gains no binary-float noise.
                totals[name] = totals.get(name, Decimal(0)) + Decimal(str(amount))
    return totals


def _step(step_id: str, kind: str, totals: dict[str, Any]) -> dict[str, Any]:
    prefix = f"{STEP_PREFIX}{step_id}#"
    skipped_prefix = prefix + "skipped#"
    return {
        "id": step_id,
        "type": kind,
        **{name: int(totals.get(prefix + name, 0)) for name in STEP_COUNTERS},
        "skipped": {
            name.removeprefix(skipped_prefix): int(amount)
            for name, amount in sorted(totals.items())
            if name.startswith(skipped_prefix)
        },
    }


def _number(amount: Decimal) -> int | float:
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def period_lift(counters: dict[int, dict[str, Any]]) -> dict[str, Any] | None:
    """The holdout figures of every version's ``counters`` together; None when no contact reached
    a holdout (the cost report's ``lift``)."""
    figures = lift(_sum(counters, sorted(counters)))
    return figures if reached(figures) else None
