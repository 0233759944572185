"""``include_existing`` and the daily segment sweep at any size: a segment's enrolment split into
parallel parts that each fit in one trigger invocation and hand over to the next, absorbing
StartExecution throttling.

One invocation cannot enrol a million contacts: StartExecution refills at 300 a second (an hour
for a million), and a Lambda invocation lasts at most 15 minutes. So activation publishes one
``Segment Backfill`` event; the trigger fans it out into ``SEGMENTS`` parts, one per segment of a
DynamoDB parallel scan, each published as its own event. A part enrols its segment page by page
and, before its invocation runs out of time, publishes itself again with the last contact done
as its cursor. A throttled start is retried with capped exponential back-off and full jitter,
for as long as the invocation has time; then the part hands over from that contact. Enrolment
is idempotent (the run claim and the execution name carry the backfill's key), so a contact met
twice, after a redelivery or a retry, is enrolled once, and no contact is skipped.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from nurtureflow.aws.errors import TRANSIENT_CODES, RetryableError
from nurtureflow.contacts.model import Contact

logger = Logger(child=True)

# 32 parts enrol at up to about 32 x 15 a second against StartExecution's 300: the bucket, not
# the parts, sets the pace, and each part's throttles stay few.
SEGMENTS = 32
PAGE = 100
# Up to this many contacts, one part does it all (about a minute of work).
ONE_PART_CONTACTS = 1000
# A part hands over while this much time is left: one page's claims and a publish fit in it.
MARGIN_SECONDS = 30.0
BACKOFF_BASE_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 5.0


@dataclass(frozen=True)
class BackfillPart:
    """One segment of a backfill; ``after`` is the last contact of the segment already done."""

    workflow: str
    key: str
    segment: int
    segments: int
    after: str | None = None
    kind: str = "segment_backfill"  # or "segment_sweep": the daily run's

    def detail(self) -> dict[str, Any]:
        return asdict(self)


class Bus(Protocol):
    def put(self, detail_type: str, detail: dict[str, Any]) -> None: ...


class SegmentContacts(Protocol):
    def segment_page(
        self, segment: int, segments: int, after: str | None, limit: int
    ) -> tuple[list[Contact], str | None]: ...


class Enrolling(Protocol):
    """The slice of ``enrolment.dispatch.Dispatcher`` a backfill needs."""

    def backfill_key(self, workflow_id: str) -> str | None: ...
    def segment_sweeps(self) -> list[tuple[str, str]]: ...
    def active_workflow(self, workflow_id: str) -> dict[str, Any] | None: ...
    def sweep_contact(self, workflow: dict[str, Any], contact: Contact, key: str, kind: str) -> bool: ...


@dataclass
class PartOutcome:
    enrolled: int = 0
    throttled: int = 0
    handed_over: bool = False


def is_throttling(error: Exception) -> bool:
    """A start refused for rate (after botocore's own retries), which a later attempt may pass."""
    if isinstance(error, RetryableError):
        return True
    return (
        isinstance(error, ClientError) and str(error.response.get("Error", {}).get("Code")) in TRANSIENT_CODES
    )


class Backfill:
    def __init__(
        self,
        dispatcher: Enrolling,
        contacts: SegmentContacts,
        bus: Bus,
        detail_type: str,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        segments: int = SEGMENTS,
    ) -> None:
        self._dispatcher, self._contacts, self._bus = dispatcher, contacts, bus
        self._detail_type, self._sleep = detail_type, sleep
        self._rng = rng or random.Random()  # noqa: S311 (jitter, not a secret)
        self._segments = segments

    def fan_out(self, workflow_id: str) -> int:
        """Publish one part per segment, all under one key: the parts a redelivered fan-out publishes
        again enrol nobody twice. 0 when the workflow takes no backfill now."""
        key = self._dispatcher.backfill_key(workflow_id)
        return 0 if key is None else self._publish(workflow_id, key, "segment_backfill")

    def sweep_segments(self) -> int:
        """The daily run's sweep of every active segment workflow, in parts as a backfill is."""
        return sum(self._publish(w, key, "segment_sweep") for w, key in self._dispatcher.segment_sweeps())

    def _publish(self, workflow_id: str, key: str, kind: str) -> int:
        parts = self._parts()
        for segment in range(parts):
            part = BackfillPart(workflow_id, key, segment, parts, kind=kind)
            self._bus.put(self._detail_type, part.detail())
        return parts

    def _parts(self) -> int:
        """One part when the whole table fits in one invocation's work, else ``segments``: a small
        table is read once, not once per part."""
        _, more = self._contacts.segment_page(0, 1, None, ONE_PART_CONTACTS)
        return 1 if more is None else self._segments

    def run(self, part: BackfillPart, time_left: Callable[[], float]) -> PartOutcome:
        """Enrol the part's segment from its cursor until it is done or time runs short; then publish
        the rest as a new part."""
        outcome, after = PartOutcome(), part.after
        while True:
            # Read once a page: a workflow paused or archived meanwhile stops its backfill here.
            workflow = self._dispatcher.active_workflow(part.workflow)
            if workflow is None:
                return outcome
            contacts, more = self._contacts.segment_page(part.segment, part.segments, after, PAGE)
            for contact in contacts:
                if not self._enrol(workflow, part, contact, time_left, outcome):
                    self._hand_over(part, after, outcome)
                    return outcome
                after = contact.id
            if more is None:
                return outcome
            after = more

    def _enrol(
        self,
        workflow: dict[str, Any],
        part: BackfillPart,
        contact: Contact,
        time_left: Callable[[], float],
        outcome: PartOutcome,
    ) -> bool:
        """Enrol one contact, backing off while throttled; False when time ran short first."""
        attempt = 0
        while time_left() > MARGIN_SECONDS:
            try:
                if self._dispatcher.sweep_contact(workflow, contact, part.key, part.kind):
                    outcome.enrolled += 1
                return True
            except Exception as error:
                if not is_throttling(error):
                    raise
                outcome.throttled += 1
                # Full jitter: parts throttled together do not come back together.
                self._sleep(self._rng.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)))
                attempt += 1
        return False

    def _hand_over(self, part: BackfillPart, after: str | None, outcome: PartOutcome) -> None:
        rest = BackfillPart(part.workflow, part.key, part.segment, part.segments, after, part.kind)
        self._bus.put(self._detail_type, rest.detail())
        outcome.handed_over = True
        logger.info("backfill part handed over", extra={"part": rest.detail(), "enrolled": outcome.enrolled})
