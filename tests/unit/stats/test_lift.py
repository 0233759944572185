"""A holdout's lift: the groups' figures, and the differences with their 95 % intervals."""

from __future__ import annotations

import math
import statistics
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.stats.lift import (
    CONTROL,
    TREATED,
    holdout_counter,
    holdout_group,
    lift,
    revenue_counter,
    squares_counter,
)


def _totals(contacts: dict[str, int], orders: dict[str, list[int]]) -> dict[str, Decimal]:
    """The counters a stats item holds for these groups (one order at most a contact)."""
    totals: dict[str, Decimal] = {}
    for group, values in orders.items():
        totals[holdout_counter(group, "contacts")] = Decimal(contacts[group])
        totals[holdout_counter(group, "converted")] = Decimal(len(values))
        totals[holdout_counter(group, "orders")] = Decimal(len(values))
        if values:  # as the recorder: a revenue counter exists once an order with a value came
            totals[revenue_counter(group, "EUR")] = Decimal(sum(values))
            totals[squares_counter(group, "EUR")] = Decimal(sum(v * v for v in values))
    return totals


def test_the_conversion_rate_difference_has_the_textbook_wald_interval() -> None:
    # 10 of 100 held out bought, 20 of 100 treated: 0.1 ± 1.96 * sqrt(0.16/100 + 0.09/100) = 0.1 ± 0.098.
    figures = lift(_totals({CONTROL: 100, TREATED: 100}, {CONTROL: [50] * 10, TREATED: [50] * 20}))
    rate = figures["conversion_rate"]
    assert rate["difference"] == 0.1
    assert rate["relative"] == 1.0  # twice the control's rate
    assert (rate["low"], rate["high"]) == (round(0.1 - 1.959964 * 0.05, 6), round(0.1 + 1.959964 * 0.05, 6))
    assert rate["significant"] is True
    assert figures[TREATED]["conversion_rate"] == 0.2
    assert figures["incremental_revenue"] == {"EUR": 500.0}  # (1000/100 - 500/100) * 100 treated


@given(
    control=st.lists(st.integers(0, 500), min_size=2, max_size=40),
    treated=st.lists(st.integers(0, 500), min_size=2, max_size=40),
)
def test_revenue_per_contact_matches_the_sample_statistics_of_each_contact_s_revenue(
    control: list[int], treated: list[int]
) -> None:
    """Contacts without an order count as 0 revenue; with one order each, the counters' figures
    are the per-contact sample mean and variance."""
    orders = {CONTROL: [v for v in control if v], TREATED: [v for v in treated if v]}
    figures = lift(_totals({CONTROL: len(control), TREATED: len(treated)}, orders))
    difference = statistics.fmean(treated) - statistics.fmean(control)
    error = math.sqrt(
        statistics.variance(treated) / len(treated) + statistics.variance(control) / len(control)
    )
    revenue = figures["revenue_per_contact"]["EUR"] if orders[CONTROL] or orders[TREATED] else None
    if revenue is None:
        assert figures["revenue_per_contact"] == {}
        return
    assert revenue["difference"] == round(difference, 6)
    assert revenue["low"] == round(difference - 1.959963984540054 * error, 6)
    assert revenue["high"] == round(difference + 1.959963984540054 * error, 6)


def test_below_two_contacts_a_group_there_is_no_interval_and_nothing_is_significant() -> None:
    figures = lift(_totals({CONTROL: 1, TREATED: 30}, {CONTROL: [], TREATED: [10] * 15}))
    rate = figures["conversion_rate"]
    assert (rate["low"], rate["high"], rate["significant"]) == (None, None, False)
    assert rate["relative"] is None  # a control rate of 0 has no relative change


def test_an_overlapping_interval_is_not_significant() -> None:
    figures = lift(_totals({CONTROL: 20, TREATED: 20}, {CONTROL: [30, 30], TREATED: [30, 30, 30]}))
    rate = figures["conversion_rate"]
    assert rate["low"] < 0 < rate["high"]
    assert rate["significant"] is False


def test_the_group_is_stable_and_its_share_is_the_percent() -> None:
    groups = [holdout_group("welcome", f"c_{n}", 10) for n in range(20_000)]
    assert groups == [holdout_group("welcome", f"c_{n}", 10) for n in range(20_000)]
    assert 0.09 < groups.count(CONTROL) / len(groups) < 0.11
    # Another workflow draws its own groups: being held out of one is no reason to be held out of all.
    other = [holdout_group("winback", f"c_{n}", 10) for n in range(20_000)]
    both = sum(1 for a, b in zip(groups, other, strict=True) if a == b == CONTROL)
    assert both < 0.02 * len(groups)
