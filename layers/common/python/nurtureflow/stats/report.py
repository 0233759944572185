"""The stats route's answer: a workflow's counters per step, for one version or all of them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from nurtureflow.stats.counters import REVENUE_PREFIX, STEP_PREFIX

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
_QUERY_KEYS = frozenset({"version"})


class StatsQueryError(ValueError):
    """A query parameter the caller must fix; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def parse_version(query: Mapping[str, str]) -> int | None:
    """``?version=n`` (a positive integer), or None for every version together."""
    for key in query:
        if key not in _QUERY_KEYS:
            raise StatsQueryError(key, f"'{key}' is not a known query parameter; only 'version' is")
    raw = query.get("version")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise StatsQueryError("version", f"version must be a positive integer, not '{raw}'")
    return int(raw)


def build_stats(
    meta: dict[str, Any],
    documents: dict[int, dict[str, Any]],
    counters: dict[int, dict[str, Any]],
    version: int | None,
) -> dict[str, Any]:
    """Sum the counters of the chosen versions; steps in the newest chosen document's order, then
    steps only older versions had."""
    chosen = [version] if version is not None else sorted(documents)
    totals: dict[str, Any] = {}
    for number in chosen:
        for name, amount in counters.get(number, {}).items():
            if isinstance(amount, int | float):
                # Decimal sums: money added across versions gains no binary-float noise.
                totals[name] = totals.get(name, Decimal(0)) + Decimal(str(amount))
    step_types: dict[str, str] = {}
    for number in sorted(chosen, reverse=True):
        for step_id, step in (documents[number].get("steps") or {}).items():
            step_types.setdefault(step_id, str(step.get("type")))
    enrolled, ended = int(totals.get("enrolled", 0)), int(totals.get("ended", 0))
    return {
        "id": meta["id"],
        "name": meta.get("name"),
        "status": meta.get("status"),
        "version": version,
        "versions": chosen,
        **{name: int(totals.get(name, 0)) for name in RUN_COUNTERS},
        "in_flight": max(0, enrolled - ended),
        "revenue": {
            name.removeprefix(REVENUE_PREFIX): _number(amount)
            for name, amount in sorted(totals.items())
            if name.startswith(REVENUE_PREFIX)
        },
        "steps": [_step(step_id, kind, totals) for step_id, kind in step_types.items()],
    }


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
