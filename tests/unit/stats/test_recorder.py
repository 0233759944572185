"""Counting once: sends, engagement, run ends and orders, whatever is redelivered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from nurtureflow.clock import VirtualClock
from nurtureflow.events.model import TrackedEvent
from nurtureflow.simulation.memory import MemoryStats
from nurtureflow.stats.counters import clean_reason
from nurtureflow.stats.recorder import StatsRecorder

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SEND = {"id": "s_1", "workflow": "wf", "version": 2, "step": "hello"}


@pytest.fixture
def store() -> MemoryStats:
    return MemoryStats()


@pytest.fixture
def recorder(store: MemoryStats) -> StatsRecorder:
    return StatsRecorder(store, VirtualClock(NOW))


def _counters(store: MemoryStats, version: int = 2) -> dict[str, Any]:
    return store.of_workflow("wf").get(version, {})


def test_each_send_outcome_counts_once_and_reasons_stay_open_ended(
    recorder: StatsRecorder, store: MemoryStats
) -> None:
    for _ in range(3):  # Lambda and Step Functions retries answer the same outcome for the same send id
        recorder.send_outcome("wf", 2, "hello", "s_1", {"status": "sent"})
    recorder.send_outcome("wf", 2, "hello", "s_2", {"status": "skipped", "reason": "budget"})
    recorder.send_outcome("wf", 2, "hello", "s_3", {"status": "skipped", "reason": "No Consent"})
    recorder.send_outcome("wf", 2, "hello", "s_4", {"status": "rejected", "reason": "rejected_by_ses"})
    recorder.send_outcome("wf", 2, "hello", "s_5", {"status": "deferred", "until": "2026-11-24T08:00:00Z"})
    assert _counters(store) == {
        "step#hello#sent": 1,
        "step#hello#skipped#budget": 1,
        "step#hello#skipped#no_consent": 1,
        "step#hello#skipped#rejected": 1,
    }


def test_a_send_of_unknown_outcome_counts_apart_from_sent_and_skipped(
    recorder: StatsRecorder, store: MemoryStats
) -> None:
    # A crash between SES's answer and our write: the email may have gone out, so it is neither
    # a skip nor a confirmed send (docs/sending.md, "The trade-off").
    recorder.send_outcome("wf", 2, "hello", "s_1", {"status": "unconfirmed", "reason": "outcome_unknown"})
    recorder.send_outcome("wf", 2, "hello", "s_1", {"status": "unconfirmed", "reason": "outcome_unknown"})
    assert _counters(store) == {"step#hello#unconfirmed": 1}


def test_an_email_deferred_for_quiet_hours_is_entered_once(
    recorder: StatsRecorder, store: MemoryStats
) -> None:
    # hello -> hello.quiet -> hello.later (the wait) -> hello again: the run came back, it did not re-enter.
    entered = ["hello", "hello.quiet", "hello.later", "hello", "hello.quiet", "bye", "bye.quiet"]
    recorder.run_ended("wf", 2, "arn:deferred", entered, goal=False)
    assert _counters(store) == {"ended": 1, "step#hello#entered": 1, "step#bye#entered": 1}


def test_opens_and_clicks_are_unique_per_send_and_machine_opens_count_apart(
    recorder: StatsRecorder, store: MemoryStats
) -> None:
    recorder.engagement(SEND, "email_opened", machine=True)
    recorder.engagement(SEND, "email_opened", machine=True)
    assert _counters(store) == {"step#hello#machine_opened": 1}
    recorder.engagement(SEND, "email_clicked")  # a click is an open too
    recorder.engagement(SEND, "email_clicked")
    recorder.engagement(SEND, "email_opened")
    recorder.engagement({**SEND, "id": "s_2"}, "email_opened")
    recorder.engagement(SEND, "unsubscribed")
    recorder.engagement(SEND, "email_bounced")  # not a counter
    assert _counters(store) == {
        "step#hello#machine_opened": 1,
        "step#hello#clicked": 1,
        "step#hello#opened": 2,
        "step#hello#unsubscribed": 1,
    }


def test_a_run_end_counts_every_visit_and_where_a_goal_stopped_it_once(
    recorder: StatsRecorder, store: MemoryStats
) -> None:
    entered = ["hello", "pause", "hello", "offer", "offer.route", "remind", "remind.later"]
    for _ in range(2):  # EventBridge may deliver the status change twice
        recorder.run_ended("wf", 2, "arn:1", entered, goal=True)
    recorder.run_ended("wf", 2, "arn:2", ["trigger.at", "hello", "end"], goal=False)
    assert _counters(store) == {
        "ended": 2,
        "step#hello#entered": 3,
        "step#pause#entered": 1,
        "step#offer#entered": 1,
        "step#remind#entered": 1,
        "step#end#entered": 1,
        "step#remind#exited_by_goal": 1,
        "exited_by_goal": 1,
    }


def _order(event_id: str, at: datetime, **properties: Any) -> TrackedEvent:
    return TrackedEvent(
        id=event_id,
        type="order_completed",
        contact_id="c_1",
        properties=properties,
        occurred_at=at.isoformat(),
        received_at=at.isoformat(),
    )


def _run(workflow: str, status: str, started: datetime, ended: datetime | None = None) -> dict[str, Any]:
    run = {"workflow": workflow, "version": 2, "status": status, "started_at": started.isoformat()}
    return {**run, "ended_at": ended.isoformat()} if ended else run


def test_an_order_credits_the_workflows_whose_run_it_happened_in_or_just_after(
    recorder: StatsRecorder, store: MemoryStats
) -> None:
    day = timedelta(days=1)
    runs = [
        _run("wf", "running", NOW - day),
        _run("recent", "completed", NOW - 10 * day, NOW - 6 * day),  # inside the 7-day window
        _run("stale", "completed", NOW - 20 * day, NOW - 8 * day),
        _run("later", "running", NOW + day),  # started after the order
    ]
    order = _order("o_1", NOW, value="19.90", currency="eur")
    assert recorder.conversion(order, runs) == ["wf", "recent"]
    assert recorder.conversion(order, runs) == []  # the same event again: nothing
    assert _counters(store) == {"conversions": 1, "revenue#EUR": 19.9}
    recorder.conversion(_order("o_2", NOW, value="lots"), runs[:1])
    recorder.conversion(_order("o_3", NOW, value=5, currency="€"), runs[:1])
    assert _counters(store) == {
        "conversions": 3,
        "revenue#EUR": 19.9,
        "revenue#unspecified": 5,
    }
    page_view = TrackedEvent(
        id="p", type="page_viewed", contact_id="c_1", occurred_at=NOW.isoformat(), received_at=NOW.isoformat()
    )
    assert recorder.conversion(page_view, runs) == []


def test_reasons_become_bounded_counter_names() -> None:
    assert clean_reason("Over Budget#2") == "over_budget_2"
    assert clean_reason(None) == "unknown"
    assert clean_reason("###") == "unknown"
    assert len(clean_reason("x" * 500)) == 64


def _held(group: str, since: datetime, days: int = 3) -> dict[str, Any]:
    run = {**_run("wf", "completed" if group == "control" else "running", since), "contact_id": "c_1"}
    until = since + timedelta(days=days)
    return {
        **run,
        "holdout": {"step": "held", "group": group, "since": since.isoformat(), "until": until.isoformat()},
    }


def test_a_held_out_contact_counts_once_whatever_times_it_comes_back(
    recorder: StatsRecorder, store: MemoryStats
) -> None:
    for _ in range(3):  # retries of the step, and the same contact enrolled again later
        recorder.held_out("wf", 2, "c_1", "control")
    recorder.held_out("wf", 2, "c_2", "treated")
    assert _counters(store) == {"holdout#control#contacts": 1, "holdout#treated#contacts": 1}


def test_a_held_out_order_counts_for_its_group_inside_the_window_and_never_as_the_workflow_s(
    recorder: StatsRecorder, store: MemoryStats
) -> None:
    control = _held("control", NOW - timedelta(days=1))
    assert recorder.conversion(_order("o_1", NOW, value=30, currency="EUR"), [control]) == []
    assert recorder.conversion(_order("o_1", NOW, value=30, currency="EUR"), [control]) == []  # again
    recorder.conversion(_order("o_2", NOW, value=10, currency="EUR"), [control])
    recorder.conversion(_order("o_3", NOW + timedelta(days=3), value=99, currency="EUR"), [control])  # late
    assert _counters(store) == {
        "holdout#control#orders": 2,
        "holdout#control#converted": 1,  # one buyer, two orders
        "holdout#control#revenue#EUR": 40,
        "holdout#control#revenue_sq#EUR": 1000,
    }


def test_a_treated_order_counts_for_the_workflow_and_for_the_treated_group(
    recorder: StatsRecorder, store: MemoryStats
) -> None:
    treated = _held("treated", NOW - timedelta(days=1))
    assert recorder.conversion(_order("o_1", NOW, value=12, currency="EUR"), [treated]) == ["wf"]
    assert _counters(store) == {
        "conversions": 1,
        "revenue#EUR": 12,
        "holdout#treated#orders": 1,
        "holdout#treated#converted": 1,
        "holdout#treated#revenue#EUR": 12,
        "holdout#treated#revenue_sq#EUR": 144,
    }
