"""The cost report of ``GET /admin/costs``: ledger lines summed by workflow, template or day.

Choices the contract leaves open:

- Money is computed unrounded (``Decimal``) and rounded only when presented: half-up to 6 decimal
  places, as JSON numbers (what finance tools ingest; a tiny figure may print as ``1e-06``) and as
  fixed 6-decimal text in CSV. Each figure is rounded on its own, so rounded rows can differ from
  the rounded total by a few millionths; unrounded, the rows add up to the total exactly.
- ``usd_per_email`` is ``total_usd / emails`` of the row, every service included (the loaded cost
  of an email), and 0 when the row has no emails.
- Runs and tracking hits carry no template: grouped by template they fall under ``"(none)"``.
- Rows are sorted by key; a day (or workflow) without ledger lines has no row.
- CSV: a header line ``key,emails,usd_ses,usd_stepfunctions,usd_lambda,usd_dynamodb,usd_apigateway,
  total_usd,usd_per_email``, one line per row, then a last line whose key is ``(total)`` (a key no
  workflow, template or day can have). A key that a spreadsheet would run as a formula (starting
  with ``=``, ``+``, ``-`` or ``@``) is written with a leading ``'``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from nurtureflow.costs.ledger import LedgerEntry, ServiceCosts
from nurtureflow.costs.rollups import Rollup, rollup_key
from nurtureflow.periods import QueryError, parse_period

GroupBy = Literal["workflow", "template", "day"]
_GROUP_BYS: dict[str, GroupBy] = {"workflow": "workflow", "template": "template", "day": "day"}
TOTAL_KEY = "(total)"
_MICRO = Decimal("0.000001")
_SERVICES = ("ses", "stepfunctions", "lambda", "dynamodb", "apigateway")
CSV_COLUMNS = ("key", "emails", *(f"usd_{s}" for s in _SERVICES), "total_usd", "usd_per_email")


def _rounded(value: Decimal) -> Decimal:
    return value.quantize(_MICRO, rounding=ROUND_HALF_UP)


def _json_costs(costs: ServiceCosts) -> dict[str, float]:
    return {name: float(_rounded(value)) for name, value in costs.model_dump(by_alias=True).items()}


# In Python the figures stay exact Decimals; only their JSON form is rounded.
Usd = Annotated[Decimal, PlainSerializer(lambda v: float(_rounded(v)), return_type=float, when_used="json")]
UsdByService = Annotated[ServiceCosts, PlainSerializer(_json_costs, return_type=dict, when_used="json")]


class CostRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    emails: int
    usd: UsdByService
    total_usd: Usd
    usd_per_email: Usd


class CostTotal(BaseModel):
    model_config = ConfigDict(frozen=True)

    emails: int
    usd: UsdByService
    total_usd: Usd
    usd_per_email: Usd


class CostReport(BaseModel):
    """Dumps to the contract's JSON with ``model_dump(mode="json", by_alias=True)``."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    group_by: GroupBy
    currency: Literal["USD"] = "USD"
    rows: list[CostRow]
    total: CostTotal


class ReportQuery(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: date
    end: date
    group_by: GroupBy = "workflow"


_QUERY_KEYS = frozenset({"from", "to", "group_by"})


class ReportQueryError(QueryError):
    """A report query the caller must fix; ``field`` names the parameter."""


def parse_report_query(params: Mapping[str, str]) -> ReportQuery:
    """The query of ``GET /admin/costs``; ``ReportQueryError`` names the first wrong parameter."""
    for name in sorted(set(params) - _QUERY_KEYS):
        # A typo (groupby=day) would otherwise answer a report the caller did not ask for.
        raise ReportQueryError(name, f"'{name}' is not a parameter here; use from, to and group_by")
    start, end = parse_period(params, ReportQueryError)
    group_by = _GROUP_BYS.get(params.get("group_by") or "workflow")
    if group_by is None:
        raise ReportQueryError("group_by", "'group_by' must be one of workflow, template, day")
    return ReportQuery(start=start, end=end, group_by=group_by)


def _per_email(usd: ServiceCosts, emails: int) -> Decimal:
    return usd.total / emails if emails else Decimal(0)


def build_report(entries: Iterable[LedgerEntry], start: date, end: date, group_by: GroupBy) -> CostReport:
    """Sum the ledger lines dated ``start`` to ``end`` (inclusive) into one row per key."""
    return _report(
        ((rollup_key(e, group_by), e.day, e.usage.emails, e.usd) for e in entries), start, end, group_by
    )


def build_report_from_rollups(
    rollups: Iterable[Rollup], start: date, end: date, group_by: GroupBy
) -> CostReport:
    """The same report from the rollups of ``group_by``: what ``GET /admin/costs`` reads."""
    lines = ((r.key, r.day, r.usage.emails, r.usd) for r in rollups if r.group == group_by)
    return _report(lines, start, end, group_by)


def _report(
    lines: Iterable[tuple[str, date, int, ServiceCosts]], start: date, end: date, group_by: GroupBy
) -> CostReport:
    groups: dict[str, tuple[int, ServiceCosts]] = {}
    for key, day, line_emails, line_usd in lines:
        if not start <= day <= end:
            continue  # the store answers by day already; a stray line must not skew the report
        emails, usd = groups.get(key, (0, ServiceCosts()))
        groups[key] = (emails + line_emails, usd + line_usd)
    rows = [
        CostRow(key=key, emails=emails, usd=usd, total_usd=usd.total, usd_per_email=_per_email(usd, emails))
        for key, (emails, usd) in sorted(groups.items())
    ]
    # Summed from the rows, so the rows add up to the total whatever the order of the ledger.
    emails = sum(row.emails for row in rows)
    usd = sum((row.usd for row in rows), ServiceCosts())
    total = CostTotal(emails=emails, usd=usd, total_usd=usd.total, usd_per_email=_per_email(usd, emails))
    return CostReport(from_=start, to=end, group_by=group_by, rows=rows, total=total)


def _csv_key(key: str) -> str:
    # A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
    return "'" + key if key.startswith(("=", "+", "-", "@", "\t", "\r")) else key


def _csv_line(key: str, figures: CostRow | CostTotal) -> list[str]:
    by_service = figures.usd.model_dump(by_alias=True)
    money = [by_service[s] for s in _SERVICES] + [figures.total_usd, figures.usd_per_email]
    return [_csv_key(key), str(figures.emails), *(f"{_rounded(value):f}" for value in money)]


def report_to_csv(report: CostReport) -> str:
    """The report as CSV: a header, one line per row, and a last ``(total)`` line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        writer.writerow(_csv_line(row.key, row))
    writer.writerow(_csv_line(TOTAL_KEY, report.total))
    return out.getvalue()
