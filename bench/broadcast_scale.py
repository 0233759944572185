"""A broadcast to a million contacts at SES's send rate, in simulated AWS time (docs/scale.md).

``python -m bench.broadcast_scale [--contacts N] [--ses-rate R] [--before]`` runs the real page
logic of the broadcast state machine (``BroadcastSender.page``: paging the contacts table from the
cursor, evaluating the segment, cutting the page into batches, the batches' concurrency and
interval, the pace until ``next_at``, handing over to a new generation after 500 pages) against
models of what binds in AWS:

- **SES**: the account's maximum send rate as a token bucket holding one second of sends. A send
  finding it empty is refused (``SendThrottledError``): the batch fails, and the state machine's
  ``SendThrottledError`` retrier starts it again after a full-jitter wait (2 s doubling, at most
  300 s, 8 retries); the retried batch skips the contacts already sent (their send records), and on
  the last attempt a throttled contact is recorded as failed.
- **Latency**: a send (render, SES, the send record, its event, ledger and stats) 0.2 s; a skipped
  contact 10 ms; reading a page 50 ms plus 20 ms per 100 contacts; a batch's Lambda start 50 ms; a
  map run's start 1 s; a generation's hand-over 0.5 s.
- Every batch of a page runs at once (the page's ``concurrency``), each sending one email per
  ``interval``. ``--before`` runs the batching of the previous release instead: batches of 100, two
  at a time, each sending as fast as it can.

The contacts are synthetic (ids and an address; every one matches the segment). The report is the
simulated time, the average rate and the highest in any one second, the throttles and retries, the
pages and generations, and the check that every contact got exactly one email.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.scale import TokenBucket
from nurtureflow.broadcasts.sending import BroadcastSender
from nurtureflow.clock import VirtualClock
from nurtureflow.contacts.model import Contact
from nurtureflow.costs.prices import load_price_table
from nurtureflow.sending.retries import SEND_THROTTLE_RETRY, THROTTLE_RETRIES
from nurtureflow.settings import BroadcastSettings

SEND_SECONDS, SKIP_SECONDS = 0.2, 0.010
PAGE_SECONDS, CHUNK_SECONDS, LAMBDA_START, MAP_START, HAND_OVER = 0.050, 0.020, 0.050, 1.0, 0.5
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
EVERYONE = {"field": "contact.email", "op": "exists", "value": True}


class SyntheticContacts:
    """The contacts table as the broadcast pages it: ``count`` contacts, in id order."""

    def __init__(self, count: int) -> None:
        self.count = count

    def page(self, after: str | None, limit: int) -> tuple[list[Contact], str | None]:
        first = 0 if after is None else int(after[2:]) + 1
        last = min(self.count, first + limit)
        made = "2026-01-01T00:00:00+00:00"
        contacts = [
            Contact(id=f"c_{n:07d}", email=f"p{n}@example.com", created_at=made, updated_at=made)
            for n in range(first, last)
        ]
        return contacts, (contacts[-1].id if contacts and last < self.count else None)


class NoHistory:
    def history(self, *_: Any, **__: Any) -> list[Any]:
        return []

    def get(self, *_: Any) -> None:
        return None


@dataclass
class OneBroadcast:
    """The broadcasts table, for one broadcast: its item and count-once markers."""

    item: dict[str, Any]
    markers: set[str] = field(default_factory=set)

    def get(self, broadcast_id: str) -> dict[str, Any] | None:
        return dict(self.item) if broadcast_id == self.item["id"] else None

    def status(self, _: str) -> str:
        return str(self.item["status"])

    def move(self, _: str, statuses: tuple[str, ...], status: str, changes: dict[str, Any]) -> None:
        if self.item["status"] in statuses:
            self.item.update(status=status, **changes)

    def count_once(self, _: str, marker: str, counts: dict[str, int]) -> bool:
        if marker in self.markers:
            return False
        self.markers.add(marker)
        for name, amount in counts.items():
            self.item[name] = self.item.get(name, 0) + amount
        return True


@dataclass
class Report:
    seconds: float = 0.0
    pages: int = 0
    generations: int = 1
    batches: int = 0
    throttled: int = 0
    retries: int = 0
    failed: int = 0
    per_second: Counter[int] = field(default_factory=Counter)
    emails: Counter[str] = field(default_factory=Counter)


@dataclass(order=True)
class _Batch:
    at: float
    index: int
    contacts: list[str] = field(compare=False)
    interval: float = field(compare=False)
    started: float = field(compare=False, default=0.0)
    position: int = field(compare=False, default=0)
    attempt: int = field(compare=False, default=0)


def send_page(batches: list[_Batch], ses: TokenBucket, report: Report, jitter: random.Random) -> float:
    """Run a page's batches (all at once) against SES; when the last one ends."""
    queue = list(batches)
    heapq.heapify(queue)
    ended = max((b.at for b in batches), default=0.0)
    while queue:
        batch = heapq.heappop(queue)
        now = batch.at
        if batch.position >= len(batch.contacts):
            ended = max(ended, now)
            continue
        contact = batch.contacts[batch.position]
        if report.emails[contact]:  # sent by an earlier attempt: its send record answers
            batch.position += 1
            batch.at = now + SKIP_SECONDS
        elif ses.take(now):
            report.emails[contact] += 1
            report.per_second[int(now)] += 1
            batch.position += 1
            # The next send starts at its slot, or when this one is done.
            batch.at = max(batch.started + batch.position * batch.interval, now + SEND_SECONDS)
        elif batch.attempt >= THROTTLE_RETRIES:  # the last attempt records the contact as failed
            report.failed += 1
            batch.position += 1
            batch.at = now + SEND_SECONDS
        else:  # SendThrottledError fails the batch; the retrier starts it again from its first contact
            report.throttled += 1
            report.retries += 1
            wait = min(SEND_THROTTLE_RETRY["MaxDelaySeconds"], 2.0 * 2**batch.attempt)
            batch.attempt += 1
            batch.position = 0
            batch.started = batch.at = now + jitter.uniform(0, wait) + LAMBDA_START
        heapq.heappush(queue, batch)
    return ended


def simulate(
    contacts: int,
    ses_rate: float,
    before: bool = False,
    seed: int = 7,
    ses_limit: float | None = None,
    pages_per_execution: int = 500,
    page_seconds: int = 60,
) -> Report:
    """A broadcast set to ``ses_rate`` a second; SES allows ``ses_limit`` (the same unless given)."""
    jitter, report = random.Random(seed), Report()
    settings = BroadcastSettings(
        broadcast_rate_per_second=ses_rate,
        broadcast_pages_per_execution=pages_per_execution,
        broadcast_page_seconds=page_seconds,
    )
    clock = VirtualClock(START)
    store = OneBroadcast({"id": "b_1", "template": "t", "segment": EVERYONE, "status": "scheduled"})
    sender = BroadcastSender(
        store=store, contacts=SyntheticContacts(contacts), events=NoHistory(), sends=NoHistory(),
        ledger=None, deliver=lambda request: {"status": "sent"}, clock=clock,
        prices=load_price_table(None), settings=settings,
    )  # fmt: skip
    limit = ses_limit or ses_rate
    ses = TokenBucket(burst=max(1, int(limit)), rate=limit)
    now, cursor, read = 0.0, None, 0
    while True:
        clock.set(START + timedelta(seconds=now))
        page = sender.page("b_1", cursor, read, execution=f"g{report.generations}")
        report.pages += 1
        matched = sum(len(b) for b in page["batches"])
        now += PAGE_SECONDS + CHUNK_SECONDS * math.ceil(matched / 100)
        if before:  # batches of 100, two at a time, each as fast as it can (the previous release)
            flat = [c for b in page["batches"] for c in b]
            cut = [flat[i : i + 100] for i in range(0, len(flat), 100)]
            ended = now + MAP_START
            for pair in range(0, len(cut), 2):
                started = ended
                group = [
                    _Batch(started + LAMBDA_START, i, b, 0.0, started)
                    for i, b in enumerate(cut[pair : pair + 2])
                ]
                ended = send_page(group, ses, report, jitter)
                report.batches += len(group)
        else:
            begin = now + MAP_START
            group = [
                _Batch(begin + LAMBDA_START, i, b, float(page["interval"]), begin + LAMBDA_START)
                for i, b in enumerate(page["batches"])
            ]
            report.batches += len(group)
            ended = send_page(group, ses, report, jitter) if group else begin
        next_at = (datetime.fromisoformat(page["next_at"].replace("Z", "+00:00")) - START).total_seconds()
        now = max(ended, next_at)
        if page["done"]:
            break
        cursor, read = page["cursor"], page["read"]
        if page["continue"]:
            report.generations += 1
            read = 0
            now += HAND_OVER
    report.seconds = now
    return report


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.broadcast_scale", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument(
        "--ses-rate", type=float, action="append", help="SES's maximum send rate (repeatable)"
    )
    parser.add_argument("--before", action="store_true", help="the previous release's batching")
    args = parser.parse_args(argv)
    for rate in args.ses_rate or [14.0, 500.0]:
        began = time.perf_counter()
        report = simulate(args.contacts, rate, before=args.before)
        once = sum(1 for n in report.emails.values() if n == 1)
        twice = sum(1 for n in report.emails.values() if n > 1)
        lost = args.contacts - len(report.emails) - report.failed
        label = "before" if args.before else "now"
        average, busiest = len(report.emails) / report.seconds, max(report.per_second.values())
        print(
            f"broadcast ({label}) to {args.contacts:,} at SES {rate:g}/s: {report.seconds / 3600:.2f} h, "
            f"average {average:.1f}/s, busiest second {busiest}, "
            f"{report.pages} pages, {report.generations} generations, {report.batches} batches, "
            f"{report.throttled} throttled, {report.failed} failed, {once:,} emailed once, {twice} twice, "
            f"{lost} lost ({time.perf_counter() - began:.0f} s to simulate)"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
