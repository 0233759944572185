"""A million contacts enrolled by a segment's ``include_existing``, inside AWS's quotas, in simulated
AWS time (docs/scale.md).

``python -m bench.scale [--contacts N] [--segments S] [--region-class high|other]`` runs the real
enrolment code (``enrolment.backfill.Backfill`` fanning out and handing over, with the real
``Dispatcher`` deciding and claiming each run) against models of what binds in AWS:

- StartExecution: a token bucket (1,300 and 300 a second in us-east-1, us-west-2, eu-west-1; 800
  and 150 elsewhere). A call finding it empty is refused with ``ThrottlingException``, at once and
  once: botocore's own retries are not modelled, so the code's back-off absorbs every throttle
  (stricter than AWS, where botocore retries first).
- Latency: a page of the parallel scan 20 ms; per contact a run read and its conditional claim
  (DynamoDB, 15 ms together) and the StartExecution call (40 ms).
- The trigger function: 5 minutes an invocation (its timeout in the stack), a part published to
  EventBridge starts 0.5 s later; Lambda's 1,000 concurrent executions do not bind at 32 parts.

Parts run as threads that take turns on one simulated clock (one runs at a time, in time order), so
the run is deterministic for a seed and independent of this machine's speed. The report is the
simulated time to enrol everyone, the throttles and hand-overs, and the check that every contact
the segment matches has exactly one run and one started execution, and no other contact has any.

``--workflow FILE`` runs a segment workflow of your own (its trigger must be a ``segment`` with
``include_existing``) instead of the built-in one, whose segment matches everyone. The synthetic
contacts carry varied traits for its segment to choose from: a score of 0 to 100, a lifecycle stage,
a plan, a country and a time zone, lists among ``newsletter``, ``product-updates`` and ``webinars``,
and a creation date in the two years before the simulated day; none has events or sends.
"""

from __future__ import annotations

import argparse
import bisect
import heapq
import json
import random
import sys
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from nurtureflow.clock import VirtualClock
from nurtureflow.contacts.model import Contact
from nurtureflow.enrolment.backfill import SEGMENTS, Backfill, BackfillPart
from nurtureflow.enrolment.dispatch import Dispatcher
from nurtureflow.enrolment.manual import BACKFILL
from nurtureflow.enrolment.policy import matches
from nurtureflow.runs.history import RunHistory
from nurtureflow.simulation.memory import MemoryEvents, MemoryRuns, MemorySends, MemoryWorkflows

# (burst, refill a second) of StartExecution for Standard workflows, by region class.
START_EXECUTION = {"high": (1300, 300.0), "other": (800, 150.0)}
INVOCATION_SECONDS = 300.0
DELIVERY_SECONDS = 0.5
PAGE_SECONDS = 0.020
CONTACT_SECONDS = 0.015
START_SECONDS = 0.040
WORKFLOW = "scale-backfill"
# The built-in workflow's segment: every contact (scores are 0 to 100).
EVERYONE = {"segment": {"field": "contact.score", "op": "gte", "value": 0}, "include_existing": True}
TODAY = datetime(2026, 12, 1, 9, tzinfo=UTC)  # the simulated day (segments read dates against it)
STAGES = ("subscriber", "lead", "marketing_qualified", "sales_qualified", "customer")
PLANS = ("free", "starter", "pro", "enterprise")
COUNTRIES = ("US", "GB", "DE", "FR", "IN", "BR", "JP")
ZONES = ("America/New_York", "Europe/London", "Europe/Berlin", "Asia/Kolkata", "Asia/Tokyo")
LISTS = ("newsletter", "product-updates", "webinars")


class SimulatedTime:
    """Threads taking turns on one clock: ``wait(dt)`` lets every thread due earlier run first."""

    def __init__(self) -> None:
        self.now = 0.0
        self._queue: list[tuple[float, int, threading.Event]] = []
        self._seq = 0
        self._handback = threading.Event()
        self._lock = threading.Lock()

    def wait(self, seconds: float) -> None:
        turn = threading.Event()
        self._enqueue(self.now + max(0.0, seconds), turn)
        self._handback.set()
        turn.wait()

    def spawn(self, at: float, body: Callable[[], None]) -> None:
        """Start ``body`` on its own thread when the clock reaches ``at``."""
        turn = threading.Event()

        def run() -> None:
            turn.wait()
            try:
                body()
            finally:
                self._handback.set()

        threading.Thread(target=run, daemon=True).start()
        self._enqueue(at, turn)

    def run(self) -> None:
        """Hand the clock to the earliest thread until none is left."""
        while True:
            with self._lock:
                if not self._queue:
                    return
                at, _, turn = heapq.heappop(self._queue)
            self.now = max(self.now, at)
            self._handback.clear()
            turn.set()
            self._handback.wait()

    def _enqueue(self, at: float, turn: threading.Event) -> None:
        with self._lock:
            self._seq += 1
            heapq.heappush(self._queue, (at, self._seq, turn))


@dataclass
class TokenBucket:
    """An AWS API quota: ``burst`` tokens, refilled at ``rate`` a second."""

    burst: int
    rate: float
    tokens: float = -1.0
    at: float = 0.0

    def take(self, now: float) -> bool:
        if self.tokens < 0:
            self.tokens = float(self.burst)
        self.tokens = min(float(self.burst), self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def least_seconds(starts: int, burst: int, rate: float) -> float:
    """The least time a token bucket allows ``starts`` calls in: its burst at once, then its rate."""
    return max(0, starts - burst) / rate


@dataclass
class QuotaRunner:
    """StartExecution as AWS answers it under its quota; same name and input is the same run."""

    time: SimulatedTime
    bucket: TokenBucket
    started: dict[str, int] = field(default_factory=dict)
    calls: int = 0
    refused: int = 0

    def start(self, target_arn: str, name: str, run_input: dict[str, Any]) -> str:
        self.time.wait(START_SECONDS)
        self.calls += 1
        if not self.bucket.take(self.time.now):
            self.refused += 1
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "StartExecution"
            )
        self.started[name] = self.started.get(name, 0) + 1
        return f"{target_arn}:{name}"

    def stop(self, execution_arn: str, cause: str) -> bool:
        return True

    def resume(self, token: str, output: dict[str, Any]) -> bool:
        return True


class SyntheticContacts:
    """``count`` contacts in a parallel scan's segments, built a page at a time (a million would not
    fit in memory as objects); a page costs the scan's latency."""

    def __init__(self, count: int, time: SimulatedTime) -> None:
        self._time = time
        self._ids = [f"c_{i:08d}" for i in range(count)]
        self._segments: dict[tuple[int, int], list[str]] = {}

    @property
    def ids(self) -> list[str]:
        return self._ids

    def segment_page(
        self, segment: int, segments: int, after: str | None, limit: int
    ) -> tuple[list[Contact], str | None]:
        self._time.wait(PAGE_SECONDS)
        ordered = self._segments.get((segment, segments))
        if ordered is None:
            ordered = self._segments[segment, segments] = [
                i for i in self._ids if zlib.crc32(i.encode()) % segments == segment
            ]
        start = 0 if after is None else _after(ordered, after)
        chunk = ordered[start : start + limit]
        more = start + limit < len(ordered)
        return [synthetic_contact(i) for i in chunk], chunk[-1] if more and chunk else None


def synthetic_contact(contact_id: str) -> Contact:
    """The same contact for the same id on every run: its traits are drawn from its id."""
    draw = random.Random(contact_id)  # traits of test data, not secrets
    created = (TODAY - timedelta(days=draw.uniform(0, 730))).isoformat()
    return Contact(
        id=contact_id,
        email=f"{contact_id}@example.com",
        score=draw.randint(0, 100),
        lifecycle_stage=draw.choice(STAGES),
        timezone=draw.choice(ZONES),
        properties={"plan": draw.choice(PLANS), "country": draw.choice(COUNTRIES)},
        lists=[name for name in LISTS if draw.random() < 0.5],
        created_at=created,
        updated_at=created,
    )


def _after(ordered: list[str], after: str) -> int:
    return bisect.bisect_right(ordered, after)


class TimedRuns(MemoryRuns):
    """Runs in memory, each contact's read and conditional claim costing DynamoDB's latency."""

    def __init__(self, time: SimulatedTime) -> None:
        super().__init__()
        self._time = time

    def get(self, contact_id: str, workflow_id: str) -> dict[str, Any] | None:
        self._time.wait(CONTACT_SECONDS)
        return super().get(contact_id, workflow_id)


@dataclass
class Report:
    contacts: int
    enrolled_contacts: int
    duplicate_runs: int
    missing: int
    matching: int  # the contacts the segment matches: each must have one run
    unexpected: int  # contacts enrolled that the segment does not match
    quota_seconds: float  # the baseline: the least time StartExecution's bucket allows so many starts
    simulated_seconds: float
    start_calls: int
    throttled: int
    invocations: int
    hand_overs: int
    wall_seconds: float
    peak_mib: float

    def lines(self) -> list[str]:
        rate = self.matching / self.simulated_seconds if self.simulated_seconds else 0.0
        return [
            f"contacts {self.contacts:,}, the segment matches {self.matching:,}: enrolled "
            f"{self.enrolled_contacts:,}, missing {self.missing}, more than one run {self.duplicate_runs}, "
            f"not matching {self.unexpected}",
            f"simulated AWS time {self.simulated_seconds / 60:.1f} min ({rate:,.0f} enrolments/s); "
            f"the quota's least for {self.matching:,} starts {self.quota_seconds / 60:.1f} min, "
            f"this run {self.simulated_seconds / self.quota_seconds if self.quota_seconds else 0:.2f}x it",
            f"StartExecution calls {self.start_calls:,}, throttled {self.throttled:,}; trigger invocations "
            f"{self.invocations:,}, hand-overs {self.hand_overs:,}",
            f"this machine: {self.wall_seconds:.1f} s, peak {self.peak_mib:.0f} MiB traced",
        ]


@dataclass
class _Bus:
    """EventBridge to the trigger function: each part published starts an invocation later."""

    launch: Callable[[dict[str, Any]], None]
    published: int = 0

    def put(self, detail_type: str, detail: dict[str, Any]) -> None:
        assert detail_type == BACKFILL
        self.published += 1
        self.launch(detail)


def simulate_backfill(
    contacts: int,
    segments: int = SEGMENTS,
    region_class: str = "high",
    invocation_seconds: float = INVOCATION_SECONDS,
    bucket: TokenBucket | None = None,
    seed: int = 7,
    workflow: dict[str, Any] | None = None,
) -> Report:
    """Activate a segment workflow with ``include_existing`` over ``contacts`` and run to the end:
    ``workflow`` (a validated document of yours), or the built-in one matching everyone."""
    workflow_id = str((workflow or {}).get("id") or WORKFLOW)
    trigger = (workflow or {}).get("trigger") or EVERYONE
    began = time.perf_counter()
    tracemalloc.start()
    sim = SimulatedTime()
    burst, rate = START_EXECUTION[region_class]
    quota = bucket or TokenBucket(burst, rate)
    runner = QuotaRunner(sim, quota)
    people, runs, workflows = SyntheticContacts(contacts, sim), TimedRuns(sim), MemoryWorkflows()
    arn = f"arn:aws:states:us-east-1:123456789012:stateMachine:nurtureflow-{workflow_id}"
    workflows.publish(
        {
            "id": workflow_id,
            "version": 1,
            "status": "active",
            "trigger": trigger,
            **({"reentry": workflow["reentry"]} if workflow and "reentry" in workflow else {}),
            "state_machine_arn": arn,
            "alias_arn": f"{arn}:live",
        },
        {"version": 1},
        0,
    )
    events, sends, clock = MemoryEvents(), MemorySends(), VirtualClock(TODAY)
    dispatcher = Dispatcher(people, runs, workflows, events, sends, runner, clock)
    invocations = 0
    hand_overs = 0
    throttled = 0
    rng = random.Random(seed)

    def launch(detail: dict[str, Any]) -> None:
        def invoke() -> None:
            nonlocal invocations, hand_overs, throttled
            invocations += 1
            started = sim.now
            backfill = Backfill(dispatcher, people, bus, BACKFILL, sleep=sim.wait, rng=rng, segments=segments)
            if "segment" not in detail:
                backfill.fan_out(detail["workflow"])
                return
            outcome = backfill.run(BackfillPart(**detail), lambda: invocation_seconds - (sim.now - started))
            hand_overs += outcome.handed_over
            throttled += outcome.throttled

        sim.spawn(sim.now + DELIVERY_SECONDS, invoke)

    bus = _Bus(launch)
    bus.put(BACKFILL, {"workflow": workflow_id})  # what activation publishes
    sim.run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    enrolled = {run["contact_id"] for run in runs.all()}
    # Who should have a run, decided apart from the enrolment: the segment on each contact as it is.
    matching = {
        i
        for i in people.ids
        if matches(
            trigger["segment"],
            synthetic_contact(i).as_condition_data(),
            None,
            TODAY,
            RunHistory(events, sends, i, execution_arn=""),
        )
    }
    per_contact: dict[str, int] = {}
    for name, times in runner.started.items():  # a name started twice is the same run, twice
        contact = name.split("-", 1)[0]
        per_contact[contact] = per_contact.get(contact, 0) + times
    return Report(
        contacts=contacts,
        enrolled_contacts=len(enrolled),
        duplicate_runs=sum(1 for n in per_contact.values() if n > 1),
        missing=sum(1 for i in matching if i not in enrolled or i not in per_contact),
        matching=len(matching),
        unexpected=len(enrolled - matching),
        quota_seconds=least_seconds(len(matching), quota.burst, quota.rate),
        simulated_seconds=sim.now,
        start_calls=runner.calls,
        throttled=throttled,
        invocations=invocations,
        hand_overs=hand_overs,
        wall_seconds=time.perf_counter() - began,
        peak_mib=peak / 2**20,
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--segments", type=int, default=SEGMENTS)
    parser.add_argument("--region-class", choices=sorted(START_EXECUTION), default="high")
    parser.add_argument("--workflow", type=Path, help="a segment workflow of yours (JSON), include_existing")
    args = parser.parse_args(argv)
    workflow = segment_workflow(args.workflow) if args.workflow else None
    report = simulate_backfill(args.contacts, args.segments, args.region_class, workflow=workflow)
    burst, rate = START_EXECUTION[args.region_class]
    name = workflow["id"] if workflow else WORKFLOW
    print(
        f"{name}: include_existing backfill, {args.segments} parts, StartExecution {burst} burst, {rate:g}/s"
    )
    for line in report.lines():
        print("  " + line)
    if report.missing or report.duplicate_runs or report.unexpected:
        raise SystemExit("contacts were lost, enrolled twice or enrolled without matching")


def valid_workflow(path: Path) -> dict[str, Any]:
    """A workflow document the language accepts; exits with code 2 naming what is wrong."""
    from pydantic import ValidationError

    from nurtureflow.workflow.models import Workflow

    try:
        document: dict[str, Any] = json.loads(path.read_text())
        Workflow.model_validate(document)
    except (OSError, ValueError) as error:  # unreadable, not JSON, or refused by the language
        detail = error.errors()[0] if isinstance(error, ValidationError) else None
        where = "/" + "/".join(map(str, detail["loc"])) if detail else str(path)
        print(f"{where}: {detail['msg'] if detail else error}", file=sys.stderr)
        raise SystemExit(2) from error
    return document


def segment_workflow(path: Path) -> dict[str, Any]:
    """A workflow document the language accepts whose trigger is a segment with
    ``include_existing``; exits with code 2 naming what is wrong."""
    document = valid_workflow(path)
    trigger = document.get("trigger") or {}
    if "segment" not in trigger or not trigger.get("include_existing"):
        print("/trigger: this simulation enrols a segment with include_existing: true", file=sys.stderr)
        raise SystemExit(2)
    return document


if __name__ == "__main__":
    main(sys.argv[1:])
