"""The cost report's ``lift``: what a workflow with a holdout earned beyond its control group, for
each US dollar it cost in the report's range (docs/costs.md)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any


def with_lift(
    rows: list[dict[str, Any]], lift_of: Callable[[str], dict[str, Any] | None]
) -> list[dict[str, Any]]:
    """The workflow rows, each with a ``lift`` block when contacts reached its holdout in the range
    (``lift_of``: the holdout figures counted on the range's days, ``stats.report.period_lift``)."""
    shown = []
    for row in rows:
        figures = lift_of(row["key"])
        shown.append(row if figures is None else {**row, "lift": _lift(figures, row["total_usd"])})
    return shown


def _lift(figures: dict[str, Any], total_usd: float) -> dict[str, Any]:
    spent = Decimal(str(total_usd))
    incremental: dict[str, float] = figures["incremental_revenue"]
    return {
        "control_contacts": figures["control"]["contacts"],
        "treated_contacts": figures["treated"]["contacts"],
        "incremental_revenue": incremental,
        # None when the range cost nothing: a ratio to zero means nothing.
        "incremental_revenue_per_usd": {
            currency: float(round(Decimal(str(amount)) / spent, 6)) if spent else None
            for currency, amount in incremental.items()
        },
        "significant": {
            currency: bool(difference["significant"])
            for currency, difference in figures["revenue_per_contact"].items()
        },
    }
