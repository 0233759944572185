"""Broadcasts past one execution: a segment spanning several generations on the local stack (moto).

Tiny settings stand in for the real ones: pages of 2 contacts at 1 a second (3 when the last chunk
read holds two matches), 2 pages an execution.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from nurtureflow import wiring
from tests.integration.conftest import MARKETER, Harness
from tests.integration.test_broadcasts import _broadcast, _cohort, _mark, _progress


@pytest.fixture
def small_pages(harness: Harness) -> Iterator[None]:
    """The broadcast settings an operator would set on the admin and broadcast functions."""
    small = {
        "NURTUREFLOW_BROADCAST_RATE_PER_SECOND": "1",
        "NURTUREFLOW_BROADCAST_PAGE_SECONDS": "2",
        "NURTUREFLOW_BROADCAST_BATCH_SIZE": "1",
        "NURTUREFLOW_BROADCAST_PAGES_PER_EXECUTION": "2",
    }
    lambdas = harness.stack.lambdas
    with lambdas.configured("admin", **small), lambdas.configured("broadcast", **small):
        yield


def _executions(harness: Harness, broadcast_id: str) -> dict[str, str]:
    """The broadcast's executions of the broadcast machine: name -> status."""
    listed = harness.stack.runtime.list_executions(
        harness.stack.deployment.machines["NurtureFlowBroadcasts"].arn, max_results=1000
    )
    return {
        e["name"]: e["status"]
        for e in listed["executions"]
        if e["name"] == broadcast_id or e["name"].startswith(f"{broadcast_id}-g")
    }


def _advance_until(harness: Harness, ready: Callable[[], bool]) -> None:
    for _ in range(30):
        if ready():
            return
        harness.stack.advance(timedelta(seconds=1))
    raise AssertionError("not there after 30 s")


def _current_execution(broadcast_id: str) -> str:
    item = wiring.broadcasts().get(broadcast_id) or {}
    return str(item["execution_arn"]).rsplit(":", 1)[1]


@pytest.mark.usefixtures("small_pages")
def test_a_broadcast_spanning_several_executions_mails_every_contact_exactly_once(harness: Harness) -> None:
    cohort, emails = _cohort(harness, 9)
    _mark(emails[0], unsubscribed=True)
    created = _broadcast(harness, cohort)
    harness.stack.advance(timedelta(minutes=1))
    progress = _progress(harness, created["id"])
    assert progress["status"] == "completed"
    assert progress["counts"] == {
        "matched": 9,
        "sent": 8,
        "unconfirmed": 0,
        "skipped": {"unsubscribed": 1},
        "skipped_total": 1,
        "failed": 0,
    }
    assert [len(harness.sent_to(e)) for e in emails] == [0] + [1] * 8
    item: dict[str, Any] = wiring.broadcasts().get(created["id"]) or {}
    executions = _executions(harness, created["id"])
    generations = int(item["generations"])
    assert generations >= 2, "9 matches in pages of at most 3, 2 pages an execution"
    assert generations == -(-int(item["pages"]) // 2)
    assert executions == {
        created["id"] if g == 0 else f"{created['id']}-g{g}": "SUCCEEDED" for g in range(generations)
    }
    assert str(item["execution_arn"]).endswith(f":{created['id']}-g{generations - 1}")


@pytest.mark.usefixtures("small_pages")
@pytest.mark.parametrize(
    ("successor_has_read", "successor"),
    [
        (False, "SUCCEEDED"),  # the first generation ended; its successor waits for next_at, finds the cancel
        (
            True,
            "ABORTED",
        ),  # the successor read its first page (and recorded itself), so the cancel stopped it
    ],
)
def test_a_broadcast_cancelled_across_a_generation_boundary_sends_nothing_more(
    harness: Harness, successor_has_read: bool, successor: str
) -> None:
    cohort, emails = _cohort(harness, 10)
    created = _broadcast(harness, cohort)
    first, second = created["id"], f"{created['id']}-g1"
    reader = second if successor_has_read else first
    _advance_until(
        harness,
        lambda: second in _executions(harness, first) and _current_execution(first) == reader,
    )
    assert _executions(harness, first) == {first: "SUCCEEDED", second: "RUNNING"}
    sent = _progress(harness, first)["counts"]["sent"]
    assert 0 < sent < 10
    reply = harness.http("POST", f"/admin/broadcasts/{first}/cancel", token=MARKETER)
    assert reply.status == 200
    harness.stack.advance(timedelta(minutes=1))
    progress = _progress(harness, first)
    assert progress["status"] == "cancelled"
    assert progress["counts"]["sent"] == sent
    assert sorted(len(harness.sent_to(e)) for e in emails) == [0] * (10 - sent) + [1] * sent
    assert _executions(harness, first) == {first: "SUCCEEDED", second: successor}
