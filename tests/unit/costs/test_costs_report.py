"""The cost report: grouping, totals, the contract's JSON, CSV, and query validation."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.api.negotiation import prefers_csv
from nurtureflow.costs.ledger import LedgerEntry, ServiceCosts, Usage, cost_usage
from nurtureflow.costs.prices import load_price_table
from nurtureflow.costs.report import (
    CSV_COLUMNS,
    ReportQueryError,
    build_report,
    parse_report_query,
    report_to_csv,
)

PRICES = load_price_table()
NOV = date(2026, 11, 1)
SEND = Usage(emails=1, lambda_gb_seconds=Decimal("0.05"), dynamodb_write_units=6, dynamodb_read_units=2)
RUN = Usage(transitions=12, lambda_requests=5, dynamodb_write_units=2, dynamodb_read_units=2)


def line(n: int, day: date, workflow: str, template: str | None, usage: Usage = SEND) -> LedgerEntry:
    kind = "send" if usage.emails else "run"
    return LedgerEntry(
        entry_id=f"e{n}",
        day=day,
        kind=kind,
        workflow=workflow,
        template=template,
        usage=usage,
        usd=cost_usage(usage, PRICES),
    )


LEDGER = [
    line(1, NOV, "cart-recovery", "cart-1"),
    line(2, NOV, "cart-recovery", "cart-2"),
    line(3, NOV + timedelta(days=1), "welcome", "welcome-1"),
    line(4, NOV + timedelta(days=1), "cart-recovery", None, RUN),
    line(5, NOV + timedelta(days=40), "welcome", "welcome-1"),  # outside the period
]


def test_rows_group_by_workflow_sorted_by_key_and_skip_lines_outside_the_period() -> None:
    report = build_report(LEDGER, NOV, NOV + timedelta(days=30), "workflow")
    assert [(row.key, row.emails) for row in report.rows] == [("cart-recovery", 2), ("welcome", 1)]
    cart = report.rows[0]
    assert cart.usd == LEDGER[0].usd + LEDGER[1].usd + LEDGER[3].usd
    assert cart.total_usd == cart.usd.total
    assert cart.usd_per_email == cart.total_usd / 2


def test_runs_without_template_group_under_none_with_zero_cost_per_email() -> None:
    report = build_report(LEDGER, NOV, NOV + timedelta(days=30), "template")
    assert [row.key for row in report.rows] == ["(none)", "cart-1", "cart-2", "welcome-1"]
    none = report.rows[0]
    assert none.emails == 0
    assert none.usd_per_email == 0
    assert none.usd.stepfunctions == Decimal("0.0003")


def test_rows_group_by_day() -> None:
    report = build_report(LEDGER, NOV, NOV + timedelta(days=30), "day")
    assert [(row.key, row.emails) for row in report.rows] == [("2026-11-01", 2), ("2026-11-02", 1)]


def test_total_sums_every_row() -> None:
    report = build_report(LEDGER, NOV, NOV + timedelta(days=30), "workflow")
    assert report.total.emails == 3
    assert report.total.usd == sum((row.usd for row in report.rows), ServiceCosts())
    assert report.total.total_usd == sum(row.total_usd for row in report.rows)
    assert report.total.usd_per_email == report.total.total_usd / 3


def test_report_dumps_to_the_contracts_json() -> None:
    report = build_report(LEDGER[:1], NOV, NOV + timedelta(days=6), "workflow")
    body = report.model_dump(mode="json", by_alias=True)
    assert set(body) == {"from", "to", "group_by", "currency", "rows", "total"}
    assert (body["from"], body["to"], body["group_by"], body["currency"]) == (
        "2026-11-01",
        "2026-11-07",
        "workflow",
        "USD",
    )
    (row,) = body["rows"]
    assert set(row) == {"key", "emails", "usd", "total_usd", "usd_per_email"}
    assert set(row["usd"]) == {"ses", "stepfunctions", "lambda", "dynamodb", "apigateway"}
    assert set(body["total"]) == {"emails", "usd", "total_usd", "usd_per_email"}
    assert row["usd"]["ses"] == 0.0001
    assert all(isinstance(v, float) for v in row["usd"].values())


def test_money_is_presented_rounded_to_six_decimals() -> None:
    usage = Usage(lambda_gb_seconds=Decimal("0.05"))  # 0.00000066667 dollars
    report = build_report([line(1, NOV, "w", "t", usage)], NOV, NOV, "workflow")
    assert report.rows[0].usd.lambda_ == Decimal("0.00000066667")  # exact inside
    assert report.model_dump(mode="json", by_alias=True)["rows"][0]["usd"]["lambda"] == 0.000001


def test_an_empty_period_has_no_rows_and_zero_totals() -> None:
    report = build_report([], NOV, NOV, "day")
    body = report.model_dump(mode="json", by_alias=True)
    assert body["rows"] == []
    assert body["total"] == {
        "emails": 0,
        "usd": {"ses": 0.0, "stepfunctions": 0.0, "lambda": 0.0, "dynamodb": 0.0, "apigateway": 0.0},
        "total_usd": 0.0,
        "usd_per_email": 0.0,
    }


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_the_flattened_columns_one_line_per_row_and_a_total_line() -> None:
    report = build_report(LEDGER, NOV, NOV + timedelta(days=30), "workflow")
    text = report_to_csv(report)
    assert text.splitlines()[0] == (
        "key,emails,usd_ses,usd_stepfunctions,usd_lambda,usd_dynamodb,usd_apigateway,total_usd,usd_per_email"
    )
    assert tuple(text.splitlines()[0].split(",")) == CSV_COLUMNS
    lines = read_csv(text)
    assert [line["key"] for line in lines] == ["cart-recovery", "welcome", "(total)"]
    assert lines[0]["emails"] == "2"
    assert lines[0]["usd_ses"] == "0.000200"
    assert lines[-1]["usd_stepfunctions"] == "0.000300"
    assert Decimal(lines[-1]["total_usd"]) == round(report.total.total_usd, 6)


def test_csv_keys_cannot_run_as_spreadsheet_formulas() -> None:
    report = build_report([line(1, NOV, "w", "=HYPERLINK(1)")], NOV, NOV, "template")
    assert read_csv(report_to_csv(report))[0]["key"] == "'=HYPERLINK(1)"


usages = st.builds(
    Usage,
    emails=st.integers(0, 10_000),
    transitions=st.integers(0, 100_000),
    lambda_requests=st.integers(0, 10_000),
    lambda_gb_seconds=st.decimals(min_value=0, max_value=10_000, places=4),
    dynamodb_write_units=st.integers(0, 100_000),
    dynamodb_read_units=st.integers(0, 100_000),
    apigateway_requests=st.integers(0, 10_000),
)
entries = st.lists(
    st.builds(
        lambda n, day, workflow, template, usage: line(
            n, NOV + timedelta(days=day), workflow, template, usage
        ),
        st.integers(0, 10**6),
        st.integers(0, 40),
        st.sampled_from(["a", "b", "c"]),
        st.none() | st.sampled_from(["t1", "t2"]),
        usages,
    ),
    max_size=30,
)


@given(entries, st.sampled_from(["workflow", "template", "day"]))
def test_rows_always_add_up_to_the_total(ledger: list[LedgerEntry], group_by: Any) -> None:
    report = build_report(ledger, NOV, NOV + timedelta(days=30), group_by)
    in_period = [e for e in ledger if e.day <= NOV + timedelta(days=30)]
    assert (
        sum(row.emails for row in report.rows)
        == report.total.emails
        == sum(e.usage.emails for e in in_period)
    )
    assert sum(row.total_usd for row in report.rows) == report.total.total_usd
    assert sum((row.usd for row in report.rows), ServiceCosts()) == report.total.usd
    assert report.total.total_usd == sum(e.usd.total for e in in_period)
    assert [row.key for row in report.rows] == sorted(row.key for row in report.rows)


def test_query_defaults_to_group_by_workflow() -> None:
    query = parse_report_query({"from": "2026-11-01", "to": "2026-11-30"})
    assert (query.start, query.end, query.group_by) == (date(2026, 11, 1), date(2026, 11, 30), "workflow")


def test_query_allows_a_leap_year_of_366_days() -> None:
    assert parse_report_query({"from": "2028-01-01", "to": "2028-12-31", "group_by": "day"}).group_by == "day"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "2026-11-30"}, "from"),
        ({"from": "2026-11-01"}, "to"),
        ({"from": "2026-13-01", "to": "2026-11-30"}, "from"),
        ({"from": "20261101", "to": "2026-11-30"}, "from"),
        ({"from": "2026-11-01", "to": "yesterday"}, "to"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "to"),
        ({"from": "2026-01-01", "to": "2027-01-02"}, "to"),
        ({"from": "2026-11-01", "to": "2026-11-30", "group_by": "contact"}, "group_by"),
        ({"from": "2026-11-01", "to": "2026-11-30", "groupby": "day"}, "groupby"),  # a typo is not ignored
    ],
)
def test_query_errors_name_the_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(ReportQueryError) as caught:
        parse_report_query(params)
    assert caught.value.field == field
    assert field in str(caught.value) or "days" in str(caught.value)


@pytest.mark.parametrize(
    ("accept", "csv"),
    [
        ("text/csv", True),
        ("text/csv;q=0.9, application/json", False),
        ("application/json;q=0.5, text/csv", True),
        ("application/json", False),
        ("*/*", False),
        ("", False),
        ("text/*", True),
        ("text/csv;q=0", False),
    ],
)
def test_csv_is_answered_only_when_the_client_prefers_it(accept: str, csv: bool) -> None:
    assert prefers_csv(accept) is csv
