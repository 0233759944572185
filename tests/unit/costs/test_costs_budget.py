"""A workflow's monthly budget, checked by the send before each email, with in-memory stand-ins."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from nurtureflow.aws.metrics import EmfBudgetAlarm
from nurtureflow.clock import VirtualClock
from nurtureflow.contacts.model import Contact
from nurtureflow.costs.budget import WorkflowBudget, budget_status
from nurtureflow.costs.ledger import LedgerEntry, Usage, cost_usage
from nurtureflow.costs.prices import load_price_table
from nurtureflow.runs.document import RunDocument
from nurtureflow.sending.delivery import (
    BUDGET_READ_UNITS,
    SEND_READ_UNITS,
    SEND_WRITE_UNITS,
    Delivery,
    SendRequest,
)
from nurtureflow.settings import SendingSettings, TrackingSettings
from nurtureflow.simulation.memory import (
    CountingBudgetAlarm,
    MemoryContacts,
    MemoryEvents,
    MemoryLedger,
    MemorySends,
    MemoryTemplates,
)

PRICES = load_price_table()
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
EMAIL_USD = Decimal("0.0001")  # SES for one recipient: the bulk of an email's cost


class Outbox:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, sender: str, to: str, raw: bytes, tags: Mapping[str, str]) -> str:
        self.sent.append(to)
        return f"m-{len(self.sent)}"


class World:
    def __init__(self) -> None:
        self.contacts, self.sends, self.ledger = MemoryContacts(), MemorySends(), MemoryLedger()
        self.templates, self.outbox, self.alarms = MemoryTemplates(), Outbox(), CountingBudgetAlarm()
        self.clock = VirtualClock(NOW)
        self.templates.put("t", {"subject": "Hi", "html": "<p>Hello</p>"})
        self.delivery = Delivery(
            contacts=self.contacts,
            templates=self.templates,
            sends=self.sends,
            events=MemoryEvents(),
            ledger=self.ledger,
            mailer=self.outbox,
            clock=self.clock,
            tracking=TrackingSettings(),
            sending=SendingSettings(),
            prices=PRICES,
            billed_seconds=0.2,
            budget=WorkflowBudget(self.ledger, self.alarms),
        )

    def send(self, n: int, budget: str | None, workflow: str = "promo") -> dict[str, Any]:
        contact_id = f"c{n}"
        if self.contacts.get(contact_id) is None:
            at = NOW.isoformat()
            self.contacts.add(
                Contact(id=contact_id, email=f"{contact_id}@example.com", created_at=at, updated_at=at)
            )
        run = RunDocument(workflow=workflow, version=1, contact_id=contact_id, enrolment="e")
        request = SendRequest(
            run=run,
            step="hello",
            template="t",
            execution_arn=f"arn:exec:{workflow}:{n}",
            entered_at=self.clock.now().isoformat(),
            budget_usd=None if budget is None else Decimal(budget),
        )
        return self.delivery.send(request)

    def spend(self, workflow: str, usd: str, day: date) -> None:
        usage = Usage(emails=0)
        self.ledger.record(
            LedgerEntry(
                entry_id=f"x-{workflow}-{day}-{usd}",
                day=day,
                kind="run",
                workflow=workflow,
                usage=usage,
                usd=cost_usage(usage, PRICES).model_copy(update={"stepfunctions": Decimal(usd)}),
            )
        )


def test_emails_over_the_monthly_budget_are_skipped_with_reason_budget_and_an_alarm() -> None:
    world = World()
    # Room for three emails: each costs a little over 0.0001 USD.
    answers = [world.send(n, "0.00035") for n in range(5)]
    assert [a["status"] for a in answers] == ["sent", "sent", "sent", "skipped", "skipped"]
    assert answers[3]["reason"] == "budget"
    assert world.outbox.sent == ["c0@example.com", "c1@example.com", "c2@example.com"]
    skipped = world.sends.get(answers[4]["send_id"])
    assert skipped is not None
    assert (skipped["status"], skipped["reason"]) == ("skipped", "budget")
    assert world.alarms.exceeded == {"promo": 2}
    assert world.ledger.workflow_month_spend("promo", "2026-11") <= Decimal("0.00035")


def test_a_retried_send_skipped_for_budget_answers_the_same_without_a_second_alarm() -> None:
    world = World()
    world.spend("promo", "5", NOW.date())
    first = world.send(1, "5")
    assert (first["status"], first["reason"]) == ("skipped", "budget")
    assert world.send(1, "5") == first  # the Lambda retry: same send id
    assert world.alarms.exceeded == {"promo": 1}


def test_only_this_calendar_month_of_this_workflow_counts() -> None:
    world = World()
    world.spend("promo", "9", date(2026, 10, 31))  # last month
    world.spend("other", "9", NOW.date())  # another workflow
    assert world.send(1, "1")["status"] == "sent"
    world.spend("promo", "1", date(2026, 11, 1))
    assert world.send(2, "1")["reason"] == "budget"
    world.clock.set(datetime(2026, 12, 1, 0, 0, tzinfo=UTC))  # a new month, a fresh budget
    assert world.send(3, "1")["status"] == "sent"


def test_without_a_budget_nothing_is_checked_or_skipped() -> None:
    world = World()
    world.spend("promo", "1000", NOW.date())
    assert world.send(1, None)["status"] == "sent"
    assert world.alarms.exceeded == {}


def test_an_erased_or_unsubscribed_contact_is_skipped_for_that_reason_before_the_budget() -> None:
    world = World()
    world.spend("promo", "5", NOW.date())
    world.send(1, None)
    world.contacts.apply("c1", {"unsubscribed": True}, 0, NOW.isoformat())
    assert world.send(1, "1", workflow="promo-2")["reason"] == "unsubscribed"
    assert world.alarms.exceeded == {}


def test_the_check_is_exact_at_the_boundary() -> None:
    class Spend:
        def workflow_month_spend(self, workflow: str, month: str) -> Decimal:
            assert (workflow, month) == ("w", "2026-11")
            return Decimal("0.9")

    alarms = CountingBudgetAlarm()
    budget = WorkflowBudget(Spend(), alarms)
    assert budget.skip_reason("w", Decimal("1.0"), NOW.date(), Decimal("0.1")) is None  # 0.9 + 0.1 == 1.0
    assert budget.skip_reason("w", Decimal("0.99999999"), NOW.date(), Decimal("0.1")) == "budget"
    assert budget.skip_reason("w", None, NOW.date(), Decimal("100")) is None
    assert alarms.exceeded == {"w": 1}


def test_the_alarm_metric_is_emf_in_namespace_nurtureflow_by_workflow_and_for_the_function(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "send")
    EmfBudgetAlarm().budget_exceeded("promo")
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) == 2
    for record in records:
        [directive] = record["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "NurtureFlow"
        assert directive["Metrics"] == [{"Name": "BudgetExceeded", "Unit": "Count"}]
        assert record["BudgetExceeded"] == [1.0]
    assert [sorted(r["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]) for r in records] == [
        ["service", "workflow"],
        ["service"],
    ]
    assert records[0]["workflow"] == "promo"


def test_budget_status_shows_this_months_spend_against_the_budget() -> None:
    status = budget_status(Decimal("50"), Decimal("12.3456789"), "2026-11")
    assert status == {
        "month": "2026-11",
        "monthly_usd": 50.0,
        "spent_usd": 12.345679,
        "remaining_usd": 37.654321,
        "exceeded": False,
    }
    over = budget_status(Decimal("1"), Decimal("1.5"), "2026-11")
    assert (over["remaining_usd"], over["exceeded"]) == (0.0, True)


def test_the_send_ledger_line_costs_the_budget_read_only_when_a_budget_is_checked() -> None:
    world = World()
    world.send(1, None)
    world.send(2, "10")
    assert (
        world.ledger.total().dynamodb
        == cost_usage(
            Usage(
                # two sends' reads, and the one budget read; two sends' writes
                dynamodb_read_units=2 * SEND_READ_UNITS + BUDGET_READ_UNITS,
                dynamodb_write_units=2 * SEND_WRITE_UNITS,
            ),
            PRICES,
        ).dynamodb
    )
