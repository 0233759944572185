"""A holdout's two groups: who is in which, and what the workflow changed for the treated one.

The control group is kept out of the workflow at its holdout step; the treated group goes on. Both
are measured the same way, over the same ``measure_for`` from the moment each contact reached the
step, so the difference between them is what the workflow itself brought (docs/stats.md).

Figures are sums kept as counters on the workflow's stats items (``holdout#<group>#<name>``):
contacts, contacts who converted, orders, revenue and the sum of squared order values by currency.
The confidence intervals are normal (Wald) intervals at 95 %, written here from their textbook form
(two short formulas; no library among the dependencies computes them from counters).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

CONTROL, TREATED = "control", "treated"
GROUPS = (CONTROL, TREATED)
HOLDOUT_PREFIX = "holdout#"
CONFIDENCE = 0.95
# The standard normal's 97.5th percentile (two-sided 95 %): statistics.NormalDist().inv_cdf(0.975).
_Z = 1.959963984540054


def holdout_group(workflow: str, contact_id: str, percent: int) -> str:
    """The contact's group: stable for the workflow, whatever its version or the step's id, and
    independent of its splits' buckets (another salt)."""
    digest = hashlib.sha256(f"holdout|{workflow}|{contact_id}".encode()).hexdigest()
    return CONTROL if int(digest, 16) % 100 < percent else TREATED


def holdout_counter(group: str, name: str) -> str:
    return f"{HOLDOUT_PREFIX}{group}#{name}"


def revenue_counter(group: str, currency: str) -> str:
    return holdout_counter(group, f"revenue#{currency}")


def squares_counter(group: str, currency: str) -> str:
    return holdout_counter(group, f"revenue_sq#{currency}")


def lift(totals: Mapping[str, Decimal]) -> dict[str, Any]:
    """The holdout block of the stats: each group's figures and the treated minus control
    differences with their 95 % intervals (None below 2 contacts a group)."""
    contacts = {g: int(totals.get(holdout_counter(g, "contacts"), 0)) for g in GROUPS}
    currencies = sorted(
        {
            name.rsplit("#", 1)[1]
            for name in totals
            if name.startswith(HOLDOUT_PREFIX) and name.split("#")[2] == "revenue"
        }
    )
    groups = {g: _group(totals, g, contacts[g], currencies) for g in GROUPS}
    control, treated = groups[CONTROL], groups[TREATED]
    rate = _difference(
        _share(treated["converted"], contacts[TREATED]),  # unrounded: the groups' figures are rounded
        _share(control["converted"], contacts[CONTROL]),
        contacts[TREATED],
        contacts[CONTROL],
        variance=lambda p, _g: p * (1 - p),
    )
    revenue: dict[str, Any] = {}
    incremental: dict[str, float] = {}
    for currency in currencies:

        def spread(mean: float, group: str, currency: str = currency) -> float:
            return _revenue_variance(totals, group, currency, contacts[group], mean)

        means = {g: _share(float(totals.get(revenue_counter(g, currency), 0)), contacts[g]) for g in GROUPS}
        revenue[currency] = _difference(
            means[TREATED],
            means[CONTROL],
            contacts[TREATED],
            contacts[CONTROL],
            variance=spread,
        )
        # What the treated group earned beyond what it would have earned held out.
        incremental[currency] = _round((means[TREATED] - means[CONTROL]) * contacts[TREATED])
    return {
        "confidence": CONFIDENCE,
        CONTROL: control,
        TREATED: treated,
        "conversion_rate": rate,
        "revenue_per_contact": revenue,
        "incremental_revenue": incremental,
    }


def reached(figures: dict[str, Any]) -> bool:
    """Whether any contact reached the holdout (``figures``: what ``lift`` answers)."""
    return bool(figures[CONTROL]["contacts"] or figures[TREATED]["contacts"])


def _group(totals: Mapping[str, Decimal], group: str, contacts: int, currencies: list[str]) -> dict[str, Any]:
    converted = int(totals.get(holdout_counter(group, "converted"), 0))
    revenue = {c: totals.get(revenue_counter(group, c), Decimal(0)) for c in currencies}
    return {
        "contacts": contacts,
        "converted": converted,
        "conversion_rate": _round(_share(converted, contacts)),
        "orders": int(totals.get(holdout_counter(group, "orders"), 0)),
        "revenue": {c: _round(float(amount)) for c, amount in revenue.items()},
        "revenue_per_contact": {c: _round(_share(float(amount), contacts)) for c, amount in revenue.items()},
    }


def _share(amount: float, contacts: int) -> float:
    return amount / contacts if contacts else 0.0


def _revenue_variance(
    totals: Mapping[str, Decimal], group: str, currency: str, contacts: int, mean: float
) -> float:
    """The sample variance of revenue per contact (contacts without an order count as 0), from the
    sum of squared order values: exact while each contact orders at most once in the window."""
    if contacts < 2:
        return 0.0
    squares = float(totals.get(squares_counter(group, currency), 0))
    return max(0.0, (squares - contacts * mean * mean) / (contacts - 1))


def _difference(
    treated: float, control: float, n_treated: int, n_control: int, *, variance: Any
) -> dict[str, Any]:
    """Treated minus control, relative to control, and its interval (None below 2 contacts a group)."""
    difference = treated - control
    figures: dict[str, Any] = {
        "difference": _round(difference),
        "relative": _round(difference / control) if control else None,
        "low": None,
        "high": None,
        "significant": False,
    }
    if n_treated < 2 or n_control < 2:
        return figures
    error = math.sqrt(variance(treated, TREATED) / n_treated + variance(control, CONTROL) / n_control)
    low, high = difference - _Z * error, difference + _Z * error
    # Significant: the interval leaves out "no difference".
    return {**figures, "low": _round(low), "high": _round(high), "significant": low > 0 or high < 0}


def _round(value: float) -> float:
    return round(value, 6)
