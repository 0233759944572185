"""What the broadcast state machine's tasks do: read a page of the segment, send a batch, finish, fail.

Each contact goes through ``Delivery`` like a workflow's email step: the same checks
(unsubscribed, suppressed, erased, the optional daily cap), the same idempotent send and the same
ledger. Its send id comes from the broadcast and the contact, so a retried batch sends nobody twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger

from nurtureflow.aws.errors import RetryableError
from nurtureflow.aws.mailer import SendThrottledError
from nurtureflow.broadcasts.audience import in_segment
from nurtureflow.broadcasts.service import workflow_key
from nurtureflow.clock import Clock, timestamp
from nurtureflow.conditions.model import parse_condition
from nurtureflow.costs.ledger import LedgerEntry, Usage, cost_usage
from nurtureflow.costs.prices import PriceTable
from nurtureflow.runs.document import RunDocument
from nurtureflow.sending.delivery import EXPECTED_SEND_SECONDS, DailyCap, SendRequest
from nurtureflow.settings import BroadcastSettings
from nurtureflow.store.broadcasts import BroadcastStatusError

logger = Logger(child=True)
STEP = "broadcast"
_SCAN_CHUNK = 100  # contacts per table read while filling a page
# A batch sends its contacts one after another, one every EXPECTED_SEND_SECONDS or so: the batches
# in flight must send faster than the rate with room to spare, so that the pace is set by the wait
# between pages and not by the sending. At most 300 (the 1,000 a second the setting allows), under
# Lambda's default 1,000 concurrent executions of an account.
HEADROOM, MIN_CONCURRENCY, MAX_CONCURRENCY = 1.5, 2, 300


def batch_concurrency(rate_per_second: float) -> int:
    """How many batches a page sends at once (its Distributed Map's MaxConcurrencyPath) at ``rate``."""
    wanted = math.ceil(HEADROOM * rate_per_second * float(EXPECTED_SEND_SECONDS))
    return min(MAX_CONCURRENCY, max(MIN_CONCURRENCY, wanted))


def broadcast_send_request(broadcast: dict[str, Any], contact_id: str, attempt: int = 0) -> SendRequest:
    """The ``Delivery`` request of one contact of a broadcast.

    ``Delivery`` derives the send id from (execution, step, entered): here (broadcast, step,
    contact), so the id is one per broadcast and contact whatever retries happen.
    """
    key = workflow_key(broadcast["id"])
    cap = broadcast.get("max_emails_per_day")
    return SendRequest(
        run=RunDocument(workflow=key, version=1, contact_id=contact_id, enrolment=broadcast["id"]),
        step=STEP,
        template=broadcast["template"],
        execution_arn=key,
        entered_at=contact_id,
        cap=DailyCap(per_day=int(cap), timezone="contact") if cap else None,
        consent=broadcast.get("consent"),
        attempt=attempt,
    )


def _even_batches(matched: list[str], most: int, wanted: int) -> list[list[str]]:
    """``matched`` in batches of at most ``most``, at least ``wanted`` of them when there are enough
    contacts, their sizes differing by one at most (so that no batch sets the page's pace alone)."""
    if not matched:
        return []
    count = min(len(matched), max(wanted, math.ceil(len(matched) / most)))
    size, extra = divmod(len(matched), count)
    batches, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        batches.append(matched[start:end])
        start = end
    return batches


def _interval(concurrency: int, rate: float) -> float:
    """Seconds between a batch's sends so that ``concurrency`` batches running send ``rate`` a second."""
    return round(concurrency / rate, 3)


class BroadcastSender:
    def __init__(
        self,
        *,
        store: Any,
        contacts: Any,
        events: Any,
        sends: Any,
        ledger: Any,
        deliver: Callable[[SendRequest], dict[str, Any]],
        clock: Clock,
        prices: PriceTable,
        settings: BroadcastSettings,
        pause: Callable[[float], None] = lambda seconds: None,
    ) -> None:
        """``pause`` waits between a batch's sends: ``aws.time.pause`` (real time in AWS; nothing
        under the local stack's virtual clock)."""
        self._pause = pause
        self._store, self._contacts, self._events, self._sends = store, contacts, events, sends
        self._ledger, self._deliver, self._clock = ledger, deliver, clock
        self._prices, self._settings = prices, settings

    def perform(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Do what a task of the broadcast state machine asks (see ``broadcasts.definition``)."""
        broadcast_id = str(payload["broadcast"])
        match payload["action"]:
            case "page":
                return self.page(
                    broadcast_id,
                    payload.get("cursor"),
                    # Absent from an execution started before generations existed: never counted.
                    read=None if payload.get("read") is None else int(payload["read"]),
                    execution=payload.get("execution"),
                )
            case "batch":
                return self.batch(
                    broadcast_id,
                    [str(c) for c in payload["contacts"]],
                    # Absent from executions started before batches paced themselves.
                    interval=float(payload.get("interval") or 0),
                    attempt=int(payload.get("attempt") or 0),
                )
            case "finish":
                return self.finish(broadcast_id)
            case "fail":
                return self.fail(broadcast_id, payload.get("failure") or {})
        raise ValueError(f"unknown broadcast action {payload['action']!r}")

    def page(
        self, broadcast_id: str, cursor: str | None, read: int | None = None, execution: str | None = None
    ) -> dict[str, Any]:
        """The next page of matching contacts, in batches; ``done`` when the table (or the broadcast) ends.

        ``read`` is how many pages this execution has read before; ``continue`` says the execution has
        read its share and hands over to a successor. ``execution`` is the asking execution's ARN.
        """
        first, read = read == 0, read or 0
        now = self._clock.now()
        broadcast = self._store.get(broadcast_id)
        if broadcast is None or broadcast["status"] not in ("scheduled", "sending"):
            ended: dict[str, Any] = {"batches": [], "cursor": None, "done": True, "next_at": timestamp(now)}
            return {**ended, "read": read + 1, "continue": False, "concurrency": 1, "interval": 0}
        if broadcast["status"] == "scheduled":
            # A retried page, or a cancel in between: the batches read the status anyway.
            with contextlib.suppress(BroadcastStatusError):
                self._store.move(broadcast_id, ("scheduled",), "sending", {"started_at": now.isoformat()})
        if first and execution and execution != broadcast.get("execution_arn"):
            # A successor's first page: a cancel now stops this execution, not its ended predecessor.
            with contextlib.suppress(BroadcastStatusError):
                self._store.move(broadcast_id, ("sending",), "sending", {"execution_arn": execution})
        segment = parse_condition(broadcast["segment"])
        rate = self._settings.broadcast_rate_per_second
        target = max(1, math.ceil(rate * self._settings.broadcast_page_seconds))
        matched: list[str] = []
        scanned, after = 0, cursor
        while True:
            contacts, after = self._contacts.page(after, min(_SCAN_CHUNK, target))
            scanned += len(contacts)
            matched.extend(c.id for c in contacts if in_segment(segment, c, self._events, self._sends, now))
            if after is None or len(matched) >= target or scanned >= self._settings.broadcast_scan_budget:
                break
        batches = _even_batches(matched, self._settings.broadcast_batch_size, batch_concurrency(rate))
        # Every batch of the page in flight at once (up to MAX_CONCURRENCY), each sending one email
        # per ``interval``: together the rate, and the page's emails take the page's share of time.
        concurrency = max(1, min(len(batches), MAX_CONCURRENCY))
        counts = {"matched": len(matched), "pages": 1, "batches": len(batches)}
        self._store.count_once(
            broadcast_id,
            # The cursor is a contact id: hashed, so the marker does not name the contact.
            "page#" + hashlib.sha256((cursor or "").encode()).hexdigest()[:24],
            # An execution's first page counts the execution too (the cost of each is counted at Finish).
            {**counts, "generations": 1} if first else counts,
        )
        pace = timedelta(seconds=math.ceil(len(matched) / rate))
        # Rounded up to the second (the timestamp's precision): never faster than the rate.
        next_at = (
            now + pace + (timedelta(microseconds=10**6 - now.microsecond) if now.microsecond else timedelta())
        )
        done = after is None
        return {
            "batches": batches,
            "cursor": after,
            "done": done,
            "next_at": timestamp(next_at),
            "read": read + 1,
            "continue": not done and read + 1 >= self._settings.broadcast_pages_per_execution,
            "concurrency": concurrency,
            "interval": _interval(concurrency, rate) if batches else 0.0,
        }

    def batch(
        self, broadcast_id: str, contact_ids: list[str], interval: float = 0.0, attempt: int = 0
    ) -> dict[str, Any]:
        """Send to each contact once, reading the broadcast's status before each send (a cancel stops it).

        The sends start ``interval`` seconds apart (the batch's share of the rate; see ``page``).
        ``attempt`` is the state's retry count: throttled on the last one, a contact is recorded as
        failed rather than failing the batch.
        """
        broadcast = self._store.get(broadcast_id)
        counted, began = 0, time.monotonic()
        for k, contact_id in enumerate(contact_ids):
            if k and interval > 0:
                self._pause(began + k * interval - time.monotonic())
            if broadcast is None or self._store.status(broadcast_id) not in ("scheduled", "sending"):
                logger.info("broadcast no longer sending", extra={"broadcast": broadcast_id})
                break
            request = broadcast_send_request(broadcast, contact_id, attempt)
            outcome = self._send_one(request, broadcast_id)
            # Counted under the send id, not the contact id: nothing here names the contact after
            # its erasure (which removes the send record itself).
            counted += self._count(broadcast_id, request.send_id, outcome)
        return {"counted": counted}

    def _send_one(self, request: SendRequest, broadcast_id: str) -> dict[str, Any]:
        try:
            return self._deliver(request)
        except (RetryableError, SendThrottledError):
            raise  # SES's rate, a passing AWS failure: the state machine retries the batch
        except Exception:
            # One contact's data must not stop everyone else's email: record it and go on.
            logger.exception("a broadcast send failed", extra={"broadcast": broadcast_id})
            return {"status": "failed", "reason": "error"}

    def _count(self, broadcast_id: str, send_id: str, outcome: dict[str, Any]) -> int:
        status = outcome.get("status")
        if status in ("sent", "unconfirmed"):  # unconfirmed: it may have gone out (docs/sending.md)
            return int(self._store.count_once(broadcast_id, send_id, {status: 1}))
        if status == "skipped":
            reason = str(outcome.get("reason") or "unknown")
            return int(self._store.count_once(broadcast_id, send_id, {}, skipped=reason))
        return int(self._store.count_once(broadcast_id, send_id, {"failed": 1}))

    def finish(self, broadcast_id: str) -> dict[str, Any]:
        """Mark the broadcast completed (unless it was cancelled) and cost its execution."""
        now = self._clock.now()
        try:
            item = self._store.move(
                broadcast_id, ("sending",), "completed", {"completed_at": now.isoformat()}
            )
        except BroadcastStatusError as exc:
            if exc.status is None:
                return {"status": None}
            item = self._store.get(broadcast_id) or {}
        self._cost_execution(broadcast_id, item, now.date())
        return {"status": item.get("status")}

    def fail(self, broadcast_id: str, failure: dict[str, Any]) -> dict[str, Any]:
        """A page or batch failed for good: the broadcast is ``failed``, with the error."""
        logger.error("broadcast failed", extra={"broadcast": broadcast_id, "failure": failure})
        cause = f"{failure.get('Error', 'Error')}: {failure.get('Cause', '')}"[:1000]
        try:
            self._store.move(broadcast_id, ("scheduled", "sending"), "failed", {"failure": cause})
        except BroadcastStatusError:
            return {"status": None}
        return {"status": "failed"}

    def _cost_execution(self, broadcast_id: str, item: dict[str, Any], day: Any) -> None:
        """Every generation's own cost, counted from the pages, batches and executions (the sends cost
        themselves); one line for the broadcast, written at Finish of the last generation."""
        pages, batches = int(item.get("pages", 0)), int(item.get("batches", 0))
        usage = Usage(
            transitions=execution_transitions(pages, batches, int(item.get("generations", 0))),
            lambda_requests=pages + batches + 1,
            dynamodb_read_units=pages + batches,
            dynamodb_write_units=2 * pages + 2,
        )
        self._ledger.record(
            LedgerEntry(
                entry_id="run#" + hashlib.sha256(workflow_key(broadcast_id).encode()).hexdigest()[:24],
                day=day,
                kind="run",
                workflow=workflow_key(broadcast_id),
                template=item.get("template"),
                usage=usage,
                usd=cost_usage(usage, self._prices),
            )
        )


def execution_transitions(pages: int, batches: int, generations: int) -> int:
    """The state transitions of all of a broadcast's executions, retries aside.

    Each generation: WaitForSendAt. Each page: ReadPage, SendBatches, MorePages, and Pace unless it
    is its generation's last. Each batch: SendBatch, in its Distributed Map child execution. Each
    generation but the last: ContinueAsNew and Continued. The last: Finish.
    """
    if pages == 0:
        return 2  # WaitForSendAt and Finish: cancelled before the first page counted
    generations = max(1, generations)
    return generations + 3 * pages + (pages - generations) + 2 * (generations - 1) + batches + 1
