"""Cost rollups: the ledger summed by (workflow, day), (template, day) and (day), as it is written.

Each ledger line adds its usage and dollars into one rollup of each group, so a report reads a
rollup per key and day instead of every line. The store adds them with atomic counters in the same
transaction that writes the line (see ``store.ledger``); this module says which rollups a line
feeds and what a rollup holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from nurtureflow.costs.ledger import LedgerEntry, ServiceCosts, Usage

RollupGroup = Literal["workflow", "template", "day"]
GROUPS: tuple[RollupGroup, ...] = ("workflow", "template", "day")
NO_TEMPLATE = "(none)"  # runs and tracking hits of non-email steps carry no template


@dataclass(frozen=True)
class Rollup:
    """The sum of the ledger lines of one key on one day (for the day group, the key is the day)."""

    group: RollupGroup
    key: str
    day: date
    usage: Usage
    usd: ServiceCosts


def rollup_key(entry: LedgerEntry, group: RollupGroup) -> str:
    """The key under which ``entry`` is summed in ``group``."""
    if group == "day":
        return entry.day.isoformat()
    if group == "template":
        return entry.template or NO_TEMPLATE
    return entry.workflow


def month_of(day: date) -> str:
    """The calendar month (UTC days) a day belongs to, as ``YYYY-MM``: budgets and rollup buckets."""
    return f"{day.year:04d}-{day.month:02d}"


def add_usage(a: Usage, b: Usage) -> Usage:
    return Usage(**{name: getattr(a, name) + getattr(b, name) for name in Usage.model_fields})


def rollups_of(entries: list[LedgerEntry]) -> list[Rollup]:
    """The rollups a set of distinct ledger lines adds up to: what the store's counters hold."""
    sums: dict[tuple[RollupGroup, str, date], tuple[Usage, ServiceCosts]] = {}
    for entry in entries:
        for group in GROUPS:
            at = (group, rollup_key(entry, group), entry.day)
            usage, usd = sums.get(at, (Usage(), ServiceCosts()))
            sums[at] = (add_usage(usage, entry.usage), usd + entry.usd)
    return [Rollup(g, k, d, usage, usd) for (g, k, d), (usage, usd) in sums.items()]
