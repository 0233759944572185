"""The ledger against moto: each line adds to its rollups once, and reports from rollups equal reports
summed from the lines."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nurtureflow import wiring
from nurtureflow.costs.ledger import LedgerEntry, ServiceCosts, Usage, cost_usage
from nurtureflow.costs.prices import load_price_table
from nurtureflow.costs.report import build_report, build_report_from_rollups
from nurtureflow.costs.rollups import month_of
from nurtureflow.simulation.memory import MemoryLedger
from tests.integration.conftest import Harness

PRICES = load_price_table()
_ids = itertools.count()


def line(workflow: str, day: date, template: str | None = "t-1", usage: Usage | None = None) -> LedgerEntry:
    usage = usage or Usage(emails=1, lambda_gb_seconds=Decimal("0.0125"), dynamodb_write_units=13)
    return LedgerEntry(
        entry_id=f"it-{next(_ids)}",
        day=day,
        kind="send" if template else "run",
        workflow=workflow,
        template=template,
        usage=usage,
        usd=cost_usage(usage, PRICES),
    )


def test_a_line_written_twice_is_counted_once(harness: Harness) -> None:
    day = date(2031, 1, 5)
    entry = line("rollup-once", day)
    assert wiring.ledger().record(entry) is True
    assert wiring.ledger().record(entry) is False  # the Lambda retry
    assert wiring.ledger().record(entry.model_copy(update={"usd": ServiceCosts(ses=Decimal(9))})) is False
    [rollup] = [r for r in wiring.cost_rollups().between("workflow", day, day) if r.key == "rollup-once"]
    assert rollup.usage.emails == 1
    assert rollup.usd == entry.usd
    assert list(wiring.ledger().between(day, day)).count(entry) == 1


def test_counters_a_line_leaves_at_zero_read_as_zero(harness: Harness) -> None:
    """Rollup updates add only the counters a line moves: a line that costs nothing still makes its
    rollup, and counters no line touched read back as zero."""
    day = date(2031, 1, 9)
    assert wiring.ledger().record(line("rollup-zero", day, template=None, usage=Usage())) is True
    [rollup] = [r for r in wiring.cost_rollups().between("workflow", day, day) if r.key == "rollup-zero"]
    assert rollup.usage == Usage()
    assert rollup.usd == ServiceCosts()
    wiring.ledger().record(line("rollup-zero", day, template=None, usage=Usage(transitions=3)))
    [rollup] = [r for r in wiring.cost_rollups().between("workflow", day, day) if r.key == "rollup-zero"]
    assert rollup.usage == Usage(transitions=3)
    assert rollup.usd == cost_usage(Usage(transitions=3), PRICES)


def test_money_adds_up_exactly_in_dynamodb(harness: Harness) -> None:
    day = date(2031, 2, 1)
    usage = Usage(emails=1, attachment_bytes=123_456, lambda_gb_seconds=Decimal("0.00025"))
    entries = [line("rollup-exact", day, usage=usage) for _ in range(7)]
    for entry in entries:
        wiring.ledger().record(entry)
    [rollup] = [r for r in wiring.cost_rollups().between("workflow", day, day) if r.key == "rollup-exact"]
    assert rollup.usd == sum((e.usd for e in entries), ServiceCosts())
    assert rollup.usage.attachment_bytes == 7 * 123_456


def test_a_workflows_month_to_date_reads_its_own_rollups_only(harness: Harness) -> None:
    nov = date(2031, 11, 1)
    mine = [line("budget-a", nov), line("budget-a", nov + timedelta(days=29), None)]
    others = [line("budget-a", nov - timedelta(days=1)), line("budget-a-2", nov), line("budget-b", nov)]
    for entry in mine + others:
        wiring.ledger().record(entry)
    assert wiring.cost_rollups().workflow_month_spend("budget-a", "2031-11") == sum(e.usd.total for e in mine)
    assert wiring.cost_rollups().workflow_month_spend("budget-a", "2031-12") == 0


def test_the_simulators_ledger_answers_the_month_to_date_as_the_store_does(harness: Harness) -> None:
    memory = MemoryLedger()
    day = date(2032, 3, 9)
    entries = [line("parity", day), line("parity", day + timedelta(days=3), None), line("parity-2", day)]
    for entry in entries + entries[:1]:
        wiring.ledger().record(entry)
        memory.record(entry)
    for workflow in ("parity", "parity-2", "absent"):
        month = month_of(day)
        assert memory.workflow_month_spend(workflow, month) == wiring.cost_rollups().workflow_month_spend(
            workflow, month
        )


_years = itertools.count(2040)

ENTRIES = st.lists(
    st.builds(
        lambda wf, tpl, offset, emails, transitions, ms, attach: (
            wf,
            tpl,
            offset,
            emails,
            transitions,
            ms,
            attach,
        ),
        st.sampled_from(["wf-a", "wf-b", "wf-c"]),
        st.sampled_from(["tpl-1", "tpl-2", None]),
        st.integers(min_value=0, max_value=70),
        st.integers(min_value=0, max_value=3),
        st.integers(min_value=0, max_value=40),
        st.integers(min_value=1, max_value=5000),
        st.integers(min_value=0, max_value=10_000_000),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    specs=ENTRIES,
    duplicates=st.lists(st.integers(min_value=0, max_value=11), max_size=4),
    window=st.tuples(st.integers(min_value=0, max_value=70), st.integers(min_value=0, max_value=70)),
)
def test_reports_from_rollups_equal_reports_summed_from_lines(
    harness: Harness,
    specs: list[tuple[str, str | None, int, int, int, int, int]],
    duplicates: list[int],
    window: tuple[int, int],
) -> None:
    base = date(next(_years), 1, 20)  # a year of its own per example: the tables outlive it
    entries = []
    for wf, tpl, offset, emails, transitions, ms, attach in specs:
        usage = Usage(
            emails=emails,
            transitions=transitions,
            lambda_requests=1,
            lambda_gb_seconds=Decimal("0.25") * ms / 1000,
            dynamodb_write_units=13,
            dynamodb_read_units=2,
            apigateway_requests=emails % 2,
            attachment_bytes=attach,
        )
        entries.append(line(wf, base + timedelta(days=offset), tpl, usage))
    for entry in entries + [entries[i % len(entries)] for i in duplicates]:
        wiring.ledger().record(entry)
    start, end = base + timedelta(days=min(window)), base + timedelta(days=max(window))
    for group in ("workflow", "template", "day"):
        from_lines = build_report(wiring.ledger().between(start, end), start, end, group)
        from_rollups = build_report_from_rollups(
            wiring.cost_rollups().between(group, start, end), start, end, group
        )
        assert from_rollups == from_lines
        assert from_rollups.model_dump(mode="json", by_alias=True) == from_lines.model_dump(
            mode="json", by_alias=True
        )
