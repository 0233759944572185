"""The broadcast tasks on in-memory stores: paging the segment, pacing, batches, cancel, counting once."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from nurtureflow.aws.errors import RetryableError
from nurtureflow.aws.mailer import SendThrottledError
from nurtureflow.broadcasts.definition import broadcast_definition
from nurtureflow.broadcasts.sending import batch_concurrency, broadcast_send_request
from nurtureflow.clock import VirtualClock
from nurtureflow.sending.delivery import EXPECTED_SEND_SECONDS, SendRequest
from tests.support.broadcasts import FakeBroadcasts, FakeContacts, FakeLedger, contact, sender

NOW = datetime(2026, 11, 24, 9, 0, 0, 250000, tzinfo=UTC)
EVEN = {"field": "contact.properties.even", "op": "eq", "value": True}


def _store(status: str = "scheduled", **extra: Any) -> FakeBroadcasts:
    store = FakeBroadcasts()
    store.create(
        {
            "id": "b_1",
            "name": "n",
            "template": "t",
            "segment": EVEN,
            "send_at": "x",
            "status": status,
            **extra,
        }
    )
    return store


def _people(count: int) -> FakeContacts:
    return FakeContacts([contact(n, properties={"even": n % 2 == 0}) for n in range(count)])


class Outbox:
    def __init__(self, answer: str = "sent") -> None:
        self.requests: list[SendRequest] = []
        self.answer = answer

    def __call__(self, request: SendRequest) -> dict[str, Any]:
        self.requests.append(request)
        return {"status": self.answer, "reason": "unsubscribed" if self.answer == "skipped" else None}


def test_pages_hold_about_a_page_of_sending_at_the_rate_in_batches_and_end_with_the_table() -> None:
    store, outbox = _store(), Outbox()
    tasks = sender(store, _people(40), outbox, VirtualClock(NOW), broadcast_rate_per_second=2,
                   broadcast_page_seconds=4, broadcast_batch_size=3)  # fmt: skip
    first = tasks.page("b_1", None)
    # 2/s for 4 s: 8 matches a page, read in chunks of 8 contacts (4 of them even).
    assert first["batches"] == [
        ["c_0000", "c_0002", "c_0004"],
        ["c_0006", "c_0008", "c_0010"],
        ["c_0012", "c_0014"],
    ]
    assert first["done"] is False
    assert first["next_at"] == "2026-11-24T09:00:05Z", "4 s for 8 emails, rounded up to the second"
    pages = [first]
    while not pages[-1]["done"]:
        pages.append(tasks.page("b_1", pages[-1]["cursor"]))
    everyone = [c for p in pages for b in p["batches"] for c in b]
    assert everyone == [f"c_{n:04d}" for n in range(0, 40, 2)]
    assert store.items["b_1"]["matched"] == 20
    assert store.items["b_1"]["status"] == "sending"
    assert store.items["b_1"]["pages"] == len(pages)


def test_an_executions_share_of_pages_ends_in_continue_and_its_first_page_counts_it() -> None:
    store = _store("sending", execution_arn="arn:…:b_1")
    tasks = sender(store, _people(40), Outbox(), VirtualClock(NOW), broadcast_rate_per_second=1,
                   broadcast_page_seconds=4, broadcast_pages_per_execution=2)  # fmt: skip
    first = tasks.page("b_1", None, read=0, execution="arn:…:b_1")
    assert (first["read"], first["continue"]) == (1, False)
    second = tasks.page("b_1", first["cursor"], read=1, execution="arn:…:b_1")
    assert (second["read"], second["continue"]) == (2, True)
    assert store.items["b_1"]["execution_arn"] == "arn:…:b_1"
    third = tasks.page("b_1", second["cursor"], read=0, execution="arn:…:b_1-g1")
    assert (third["read"], third["continue"]) == (1, False)
    item = store.items["b_1"]
    assert (item["pages"], item["generations"], item["execution_arn"]) == (3, 2, "arn:…:b_1-g1")
    # A page asked by an execution of the former definition (no "read") counts no generation.
    tasks.perform({"action": "page", "broadcast": "b_1", "cursor": third["cursor"]})
    assert (store.items["b_1"]["pages"], store.items["b_1"]["generations"]) == (4, 2)


def test_the_last_page_never_continues() -> None:
    tasks = sender(_store(), _people(4), Outbox(), VirtualClock(NOW), broadcast_pages_per_execution=1)
    page = tasks.page("b_1", None, read=0)
    assert (page["done"], page["continue"]) == (True, False)


def test_a_repeated_page_counts_its_matches_once() -> None:
    store = _store()
    tasks = sender(store, _people(10), Outbox(), VirtualClock(NOW))
    assert tasks.page("b_1", None) == tasks.page("b_1", None)
    assert store.items["b_1"]["matched"] == 5


def test_a_sparse_segment_stops_a_page_at_the_scan_budget() -> None:
    people = FakeContacts([contact(n, properties={"even": n == 350}) for n in range(400)])
    tasks = sender(_store(), people, Outbox(), VirtualClock(NOW), broadcast_scan_budget=200)
    page = tasks.page("b_1", None)
    assert page["batches"] == []
    assert page["done"] is False
    assert page["next_at"] == "2026-11-24T09:00:01Z"
    assert tasks.page("b_1", page["cursor"])["batches"] == [["c_0350"]]


@pytest.mark.parametrize("status", ["cancelled", "completed", "failed"])
def test_a_broadcast_that_is_no_longer_live_reads_no_page(status: str) -> None:
    page = sender(_store(status), _people(10), Outbox(), VirtualClock(NOW)).page("b_1", None)
    assert page["batches"] == []
    assert page["done"] is True


def test_a_batch_sends_each_contact_and_counts_each_outcome_once() -> None:
    store, outbox = _store("sending"), Outbox()
    tasks = sender(store, _people(0), outbox, VirtualClock(NOW))
    assert tasks.batch("b_1", ["c_1", "c_2"]) == {"counted": 2}
    assert tasks.batch("b_1", ["c_1", "c_2"]) == {"counted": 0}, "a retried batch counts nobody again"
    assert store.items["b_1"]["sent"] == 2
    assert not [key for _, key in store.markers if "c_1" in key], "markers name sends, not contacts"
    outbox.answer = "skipped"
    tasks.batch("b_1", ["c_3"])
    assert store.items["b_1"]["skipped"] == {"unsubscribed": 1}


def test_a_cancel_during_a_batch_stops_the_next_send() -> None:
    store = _store("sending")

    def deliver(request: SendRequest) -> dict[str, Any]:
        store.items["b_1"]["status"] = "cancelled"  # the marketer cancels while the first email goes
        return {"status": "sent"}

    outbox: list[str] = []
    tasks = sender(
        store, _people(0), lambda r: outbox.append(r.run.contact_id) or deliver(r), VirtualClock(NOW)
    )
    tasks.batch("b_1", ["c_1", "c_2", "c_3"])
    assert outbox == ["c_1"]
    assert store.items["b_1"]["sent"] == 1


def test_one_contacts_error_is_counted_failed_and_the_batch_goes_on() -> None:
    store = _store("sending")

    def deliver(request: SendRequest) -> dict[str, Any]:
        if request.run.contact_id == "c_2":
            raise ValueError("the template broke on this contact's data")
        return {"status": "sent"}

    sender(store, _people(0), deliver, VirtualClock(NOW)).batch("b_1", ["c_1", "c_2", "c_3"])
    assert (store.items["b_1"]["sent"], store.items["b_1"]["failed"]) == (2, 1)


def test_a_send_of_unknown_outcome_counts_as_unconfirmed_not_failed() -> None:
    store = _store("sending")

    def deliver(request: SendRequest) -> dict[str, Any]:
        return {"status": "unconfirmed", "reason": "outcome_unknown"}  # it may have gone out

    sender(store, _people(0), deliver, VirtualClock(NOW)).batch("b_1", ["c_1"])
    assert store.items["b_1"].get("unconfirmed") == 1
    assert store.items["b_1"].get("failed", 0) == 0


def test_throttling_fails_the_batch_for_the_state_machine_to_retry() -> None:
    def deliver(request: SendRequest) -> dict[str, Any]:
        raise RetryableError("TooManyRequestsException")

    with pytest.raises(RetryableError):
        sender(_store("sending"), _people(0), deliver, VirtualClock(NOW)).batch("b_1", ["c_1"])


def test_the_send_id_is_one_per_broadcast_and_contact() -> None:
    broadcast = {"id": "b_1", "template": "t"}
    same = broadcast_send_request(broadcast, "c_1").send_id
    assert broadcast_send_request(broadcast, "c_1").send_id == same
    assert broadcast_send_request(broadcast, "c_2").send_id != same
    assert broadcast_send_request({"id": "b_2", "template": "t"}, "c_1").send_id != same
    request = broadcast_send_request({**broadcast, "max_emails_per_day": 2}, "c_1")
    assert request.run.workflow == "broadcast:b_1"
    assert request.cap is not None
    assert request.cap.per_day == 2
    assert request.quiet is None


def test_finishing_completes_a_sending_broadcast_and_costs_its_execution() -> None:
    store, ledger = _store("sending", pages=2, batches=5), FakeLedger()
    assert sender(store, _people(0), Outbox(), VirtualClock(NOW), ledger=ledger).finish("b_1") == {
        "status": "completed"
    }
    [entry] = ledger.entries.values()
    assert entry.workflow == "broadcast:b_1"
    assert entry.usage.transitions == 2 + 4 * 2 - 1 + 5


def test_the_cost_counts_every_generations_transitions() -> None:
    store, ledger = _store("sending", pages=5, batches=15, generations=3), FakeLedger()
    sender(store, _people(0), Outbox(), VirtualClock(NOW), ledger=ledger).finish("b_1")
    [entry] = ledger.entries.values()
    # 3 waits; 5 pages of ReadPage, SendBatches, MorePages; 2 Paces; 15 SendBatch children;
    # 2 hand-overs of ContinueAsNew and Continued; Finish.
    assert entry.usage.transitions == 3 + 15 + 2 + 15 + 4 + 1
    assert entry.usd.stepfunctions > 0


def test_finishing_a_cancelled_broadcast_leaves_it_cancelled() -> None:
    store = _store("cancelled")
    assert sender(store, _people(0), Outbox(), VirtualClock(NOW)).finish("b_1") == {"status": "cancelled"}


def test_a_failure_marks_a_live_broadcast_failed_with_the_error() -> None:
    store = _store("sending")
    tasks = sender(store, _people(0), Outbox(), VirtualClock(NOW))
    assert tasks.perform(
        {"action": "fail", "broadcast": "b_1", "failure": {"Error": "Boom", "Cause": "x"}}
    ) == {"status": "failed"}
    assert store.items["b_1"]["failure"] == "Boom: x"


@pytest.mark.parametrize("rate", [1, 10, 14, 100, 500, 1000])
def test_a_page_s_batches_run_at_once_each_at_its_share_of_the_rate(rate: float) -> None:
    """Each send takes about 0.2 s: a page is cut into enough batches that, all in flight and each
    sending one email per ``interval``, they send the rate together and can keep up. Before, two
    batches at a time sent about 10 a second whatever the rate, and a page of 14 a second took longer
    than its minute. The Distributed Map reads the figures from the page (MaxConcurrencyPath)."""
    everyone = FakeContacts([contact(n, properties={"even": True}) for n in range(6000)])
    page = sender(_store(), everyone, Outbox(), VirtualClock(NOW), broadcast_rate_per_second=rate).page(
        "b_1", None
    )
    batches, interval = page["batches"], page["interval"]
    matched = sum(len(b) for b in batches)
    target = min(5000, math.ceil(rate * 60))  # a minute at the rate, within the scan budget
    assert target <= matched < target + 100  # read in chunks of 100
    assert page["concurrency"] == len(batches) <= 300
    assert len(batches) / interval == pytest.approx(rate, rel=0.01), "together, the rate"
    assert max(len(b) for b in batches) - min(len(b) for b in batches) <= 1
    assert max(len(b) for b in batches) * interval <= matched / rate + interval, "the page's share of time"
    if matched >= batch_concurrency(rate):
        assert interval >= 1.5 * EXPECTED_SEND_SECONDS * 0.99, "each batch can keep its interval"


def test_a_batch_paces_its_sends_and_a_throttled_send_fails_it_for_the_state_machine_to_retry() -> None:
    """Sends start ``interval`` apart. SES's rate refusal (SendThrottledError) reaches the state
    machine, whose SendThrottledError retrier tries the batch again; before, a broadcast counted the
    contact as failed and never sent it."""
    waits: list[float] = []

    def deliver(request: SendRequest) -> dict[str, Any]:
        if request.run.contact_id == "c_3":
            raise SendThrottledError("throttled")
        return {"status": "sent"}

    tasks = sender(_store("sending"), _people(0), deliver, VirtualClock(NOW))
    tasks._pause = waits.append
    with pytest.raises(SendThrottledError):
        tasks.batch("b_1", ["c_1", "c_2", "c_3"], interval=0.5)
    # The k-th send waits for start + k * interval (this pause returns at once, so the waits add up).
    assert waits == [pytest.approx(0.5, abs=0.05), pytest.approx(1.0, abs=0.05)]
    retrier = broadcast_definition("arn:f")["States"]["SendBatches"]["ItemProcessor"]["States"]["SendBatch"]
    assert retrier["Retry"][0]["ErrorEquals"] == ["SendThrottledError"]
    assert retrier["Parameters"]["Payload"]["attempt.$"] == "$$.State.RetryCount"


def test_the_map_takes_its_concurrency_from_the_page() -> None:
    """https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html: MaxConcurrencyPath
    selects a non-negative integer from the state input."""
    definition = broadcast_definition("arn:aws:lambda:us-east-1:123456789012:function:f")
    send = definition["States"]["SendBatches"]
    assert (send["MaxConcurrencyPath"], "MaxConcurrency" in send) == ("$.page.concurrency", False)
    assert definition["States"]["ReadPage"]["ResultSelector"]["concurrency.$"] == "$.Payload.concurrency"


def test_more_batches_than_run_at_once_still_send_the_rate_together() -> None:
    """Batches of one at 1,000 a second: 5,000 batches, 300 in flight at a time; those 300 together
    send the rate (the interval was once taken from all 5,000, which sent 60 a second)."""
    everyone = FakeContacts([contact(n, properties={"even": True}) for n in range(6000)])
    tasks = sender(_store(), everyone, Outbox(), VirtualClock(NOW), broadcast_rate_per_second=1000,
                   broadcast_batch_size=1)  # fmt: skip
    page = tasks.page("b_1", None)
    assert (len(page["batches"]), page["concurrency"]) == (5000, 300)
    assert page["concurrency"] / page["interval"] == pytest.approx(1000)
