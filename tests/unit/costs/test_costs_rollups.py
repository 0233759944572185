"""Rollups: a report read from them equals the report summed from the ledger lines."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.costs.ledger import USD_QUANTUM, LedgerEntry, ServiceCosts, Usage, cost_usage
from nurtureflow.costs.prices import load_price_table
from nurtureflow.costs.report import build_report, build_report_from_rollups, report_to_csv
from nurtureflow.costs.rollups import GROUPS, month_of, rollups_of

PRICES = load_price_table()
NOV = date(2026, 11, 1)

USAGES = st.builds(
    Usage,
    emails=st.integers(0, 3),
    transitions=st.integers(0, 50),
    lambda_requests=st.integers(0, 5),
    lambda_gb_seconds=st.decimals(min_value=0, max_value=10, places=5),
    dynamodb_write_units=st.integers(0, 20),
    dynamodb_read_units=st.integers(0, 20),
    apigateway_requests=st.integers(0, 2),
    attachment_bytes=st.integers(0, 50_000_000),
)


@st.composite
def ledgers(draw: Any) -> list[LedgerEntry]:
    specs = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["cart", "welcome", "=evil"]),
                st.sampled_from(["t-1", "t-2", None]),
                st.integers(0, 75),
                USAGES,
            ),
            max_size=25,
        )
    )
    return [
        LedgerEntry(
            entry_id=f"e{n}",
            day=NOV + timedelta(days=offset),
            kind="send" if template else "run",
            workflow=workflow,
            template=template,
            usage=usage,
            usd=cost_usage(usage, PRICES),
        )
        for n, (workflow, template, offset, usage) in enumerate(specs)
    ]


@given(ledgers(), st.integers(0, 75), st.integers(0, 75))
def test_a_report_from_rollups_equals_the_report_from_lines(
    ledger: list[LedgerEntry], a: int, b: int
) -> None:
    start, end = NOV + timedelta(days=min(a, b)), NOV + timedelta(days=max(a, b))
    rollups = rollups_of(ledger)
    for group in GROUPS:
        from_lines = build_report(ledger, start, end, group)
        from_rollups = build_report_from_rollups(rollups, start, end, group)
        assert from_rollups == from_lines
        assert report_to_csv(from_rollups) == report_to_csv(from_lines)


@given(ledgers())
def test_each_line_lands_once_in_each_group(ledger: list[LedgerEntry]) -> None:
    rollups = rollups_of(ledger)
    for group in GROUPS:
        mine = [r for r in rollups if r.group == group]
        assert sum((r.usd for r in mine), ServiceCosts()) == sum((e.usd for e in ledger), ServiceCosts())
        assert sum(r.usage.emails for r in mine) == sum(e.usage.emails for e in ledger)


def test_money_is_held_to_the_quantum_so_sums_stay_exact() -> None:
    costs = ServiceCosts(ses=Decimal(1) / 3)
    assert costs.ses == Decimal("0.333333333333333")
    assert costs.ses.as_tuple().exponent == USD_QUANTUM.as_tuple().exponent
    big = ServiceCosts(ses=Decimal("123456789012345678901.123456789"))
    assert big.ses == Decimal("123456789012345678901.123456789000000")


def test_month_of_is_the_calendar_month() -> None:
    assert month_of(date(2026, 1, 31)) == "2026-01"
    assert month_of(date(2026, 12, 1)) == "2026-12"
