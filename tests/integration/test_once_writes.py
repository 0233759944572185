"""Once-only writes gathered into one transaction (``store.once``) and a run's end in one write,
against moto: what a send and a run's end write, in how many calls, and what a retry changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from nurtureflow import wiring
from nurtureflow.costs.ledger import LedgerEntry, Usage, cost_usage
from nurtureflow.events.model import TrackedEvent
from nurtureflow.store import once
from tests.integration.conftest import Harness
from tests.support.dynamodb_calls import DynamoCall, dynamodb_calls

EXPIRES = 2_000_000_000
DAY = "2026-12-04"


def _names(calls: list[DynamoCall]) -> list[str]:
    return [call.operation for call in calls]


def _event(event_id: str, contact: str = "c_once") -> TrackedEvent:
    at = "2026-12-04T10:00:00+00:00"
    return TrackedEvent(id=event_id, type="email_sent", contact_id=contact, occurred_at=at, received_at=at)


def _line(entry_id: str, workflow: str = "it-once-writes") -> LedgerEntry:
    usage = Usage(emails=1, dynamodb_write_units=2)
    usd = cost_usage(usage, wiring.prices())
    return LedgerEntry(
        entry_id=entry_id,
        day=date(2026, 12, 4),
        kind="send",
        workflow=workflow,
        template="t",
        usage=usage,
        usd=usd,
    )


def _stored_events(contact: str) -> list[str]:
    return [e.id for e in wiring.events().history(contact)]


def _emails(workflow: str) -> int:
    """The emails the workflow's rollups hold (one line costs one)."""
    day = date(2026, 12, 4)
    return sum(
        r.usage.emails for r in wiring.cost_rollups().between("workflow", day, day) if r.key == workflow
    )


def test_a_block_s_event_ledger_line_and_counts_are_one_transaction(harness: Harness) -> None:
    with dynamodb_calls() as made, once.together():
        assert wiring.events().record(_event("e-together", "c_together")) is True
        assert wiring.ledger().record(_line("l-together", "it-together")) is True
        assert wiring.stats().count_once("k-together", "it-together", 1, {"enrolled": 1}, EXPIRES, DAY)
        assert _names(made) == []  # nothing is written before the block ends
    assert _names(made) == ["TransactWriteItems"]
    assert _stored_events("c_together") == ["e-together"]
    assert _emails("it-together") == 1
    assert wiring.stats().of_workflow("it-together") == {1: {"enrolled": 1}}


def test_a_write_made_before_is_dropped_alone_and_the_others_are_made(harness: Harness) -> None:
    """A retry after a partial failure: one write's guard is there, the other's is not."""
    assert wiring.events().record(_event("e-made", "c_made")) is True
    writes = [
        wiring.events()._once_write(_event("e-made", "c_made")),
        wiring.ledger()._once_write(_line("l-new", "it-made")),
    ]
    with dynamodb_calls() as made:
        assert once.commit(writes) == [False, True]
    assert _names(made) == ["TransactWriteItems", "TransactWriteItems"]  # cancelled, then without the event
    assert _stored_events("c_made") == ["e-made"]
    assert _emails("it-made") == 1
    assert once.commit(writes) == [False, False]  # and again: nothing changes
    assert _emails("it-made") == 1


def test_writes_past_a_transaction_s_hundred_items_go_in_more_than_one(harness: Harness) -> None:
    counters: dict[str, int | Decimal] = {f"step#s{n}#entered": 1 for n in range(49)}  # 1 + 98 items
    writes = [
        wiring.stats()._once_write("k-big", "it-big", 1, counters, EXPIRES, DAY),
        wiring.events()._once_write(_event("e-big", "c_big")),
    ]
    assert [len(w.items) for w in writes] == [99, 2]
    with dynamodb_calls() as made:
        assert once.commit(writes) == [True, True]
    assert _names(made) == ["TransactWriteItems", "TransactWriteItems"]
    assert len(wiring.stats().of_workflow("it-big")[1]) == 49
    assert _stored_events("c_big") == ["e-big"]


def test_a_block_that_fails_still_writes_what_it_recorded_and_raises_its_own_error(harness: Harness) -> None:
    def fail_after_the_event() -> None:
        with once.together():
            wiring.events().record(_event("e-failed-block", "c_failed_block"))
            raise RuntimeError("after the event")

    with pytest.raises(RuntimeError, match="after the event"):
        fail_after_the_event()
    assert _stored_events("c_failed_block") == ["e-failed-block"]


def test_outside_a_block_a_write_answers_whether_it_was_new(harness: Harness) -> None:
    assert wiring.ledger().record(_line("l-alone", "it-alone")) is True
    assert wiring.ledger().record(_line("l-alone", "it-alone")) is False
    assert _emails("it-alone") == 1


def _run(contact: str, status: str, **fields: Any) -> dict[str, Any]:
    run = {
        "contact_id": contact,
        "workflow": "it-end",
        "execution_arn": f"arn:{contact}",
        "status": status,
        **fields,
    }
    wiring.runs().claim(run, None)
    return run


def test_a_running_run_ends_in_one_write_and_answers_what_it_was(harness: Harness) -> None:
    _run("c_end_running", "running", enrolment="e1")
    with dynamodb_calls() as made:
        before = wiring.runs().end(
            "c_end_running", "it-end", "arn:c_end_running", "completed", "2026-12-04T10:00:00+00:00", None
        )
    assert _names(made) == ["UpdateItem"]
    assert (before["status"], before["enrolment"]) == ("running", "e1")
    after = wiring.runs().get("c_end_running", "it-end") or {}
    assert (after["status"], after["ended_at"]) == ("completed", "2026-12-04T10:00:00+00:00")


def test_a_run_a_goal_ended_keeps_its_status_and_first_end_time(harness: Harness) -> None:
    _run("c_end_goal", "completed", exit_reason="goal:bought", ended_at="2026-12-04T09:00:00+00:00")
    before = wiring.runs().end(
        "c_end_goal", "it-end", "arn:c_end_goal", "stopped", "2026-12-04T10:00:00+00:00", "States.X"
    )
    assert before["exit_reason"] == "goal:bought"
    after = wiring.runs().get("c_end_goal", "it-end") or {}
    assert (after["status"], after["ended_at"], after["error"]) == (
        "completed",
        "2026-12-04T09:00:00+00:00",
        "States.X",
    )


def test_an_end_of_another_execution_or_of_no_run_changes_nothing(harness: Harness) -> None:
    run = _run("c_end_other", "running")
    assert wiring.runs().end(
        "c_end_other", "it-end", "arn:old", "failed", "2026-12-04T10:00:00+00:00", None
    ) == run | {
        "pk": "c_end_other",
        "sk": "it-end",
    }
    assert (wiring.runs().get("c_end_other", "it-end") or {}).get("status") == "running"
    assert (
        wiring.runs().end("c_end_nobody", "it-end", "arn:x", "failed", "2026-12-04T10:00:00+00:00", None)
        == {}
    )
    assert wiring.runs().get("c_end_nobody", "it-end") is None
