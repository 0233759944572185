"""A flood of tracked events, each enrolling a new contact, inside AWS's quotas, in simulated AWS time
(docs/scale.md).

``python -m bench.event_flood [--events N] [--rate R] [--intake queue|async] [--region-class high|other]``

N new contacts' ``form_submitted`` events arrive at R a second (a campaign landing; the track
function stores and publishes each). With ``--intake queue`` (what the stack deploys,
``infra/stack/events.py``) they wait in the trigger's SQS intake queue, read by at most 50
invocations at once in batches of 10; a message the trigger fails on is received again 30 minutes
later, 5 times in all, then kept in the queue's dead-letter queue. With ``--intake async`` (the
previous release) each reaches the trigger on its own asynchronous invocation, as EventBridge
delivers it. The real ``Dispatcher`` decides and claims each run; what binds in AWS is modelled:

- StartExecution: the token bucket of ``bench.scale`` (1,300 and 300 a second, or 800 and 150),
  called through botocore's standard retry mode as the functions' clients are configured
  (``aws/clients.py``: 5 attempts; a throttled attempt waits a random time up to 2^attempt seconds,
  at most 20 s);
- the trigger function: asynchronously, at most 1,000 invocations at once (Lambda's account
  concurrency; events wait in Lambda's own queue meanwhile), and an invocation that fails is retried
  twice by Lambda, one and then two minutes later, then goes to the trigger's failure queue
  (``DeadLetters``), where the event waits for an operator to redrive it; through the queue, as
  above;
- latencies: EventBridge's delivery 0.5 s (through the queue, a batch's delivery shared by its 10
  messages), a run's read and its conditional claim (DynamoDB) 15 ms, a StartExecution call 40 ms.

The report: the simulated time until every event was handled, the contacts enrolled, the events in
the failure queue, and the runs claimed in the runs table whose execution never started (their
contact looks enrolled but gets nothing until the event is redriven).

``--workflow FILE`` floods an event-triggered workflow of your own instead of the built-in one (any
``form_submitted`` enrols): every event is of its trigger's type. Each event comes from a new
synthetic contact (``bench.scale``'s traits) and carries properties for a ``where`` to read: a
``value`` of 0 to 200, a ``currency`` (USD), a ``form`` among ``newsletter``, ``pricing``,
``demo-request`` and ``contact``, and a ``source`` among ``web``, ``mobile`` and ``store``.
"""

from __future__ import annotations

import argparse
import collections
import heapq
import itertools
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from bench.scale import (
    CONTACT_SECONDS,
    DELIVERY_SECONDS,
    START_EXECUTION,
    TODAY,
    QuotaRunner,
    SimulatedTime,
    TimedRuns,
    TokenBucket,
    least_seconds,
    synthetic_contact,
    valid_workflow,
)
from nurtureflow.clock import VirtualClock
from nurtureflow.enrolment.dispatch import Dispatcher
from nurtureflow.enrolment.policy import matches
from nurtureflow.events.model import TrackedEvent
from nurtureflow.simulation.memory import MemoryContacts, MemoryEvents, MemorySends, MemoryWorkflows

WORKFLOW = "flood-welcome"
BUILT_IN = {"event": "form_submitted"}  # the built-in workflow's trigger: every event enrols
FORMS = ("newsletter", "pricing", "demo-request", "contact")
SOURCES = ("web", "mobile", "store")
ATTEMPTS = 5  # aws/clients.py: Config(retries={"mode": "standard", "max_attempts": 5})
MAX_BACKOFF = 20.0  # botocore's standard mode
LAMBDA_RETRY_DELAYS = (60.0, 120.0)  # an asynchronous invocation's two retries
POLL_SECONDS = 0.1  # how often a waiting event looks for a free concurrency slot


class BotocoreRetries:
    """StartExecution through botocore's standard retries: a throttled attempt is tried again after
    a random wait up to 2^attempt seconds (at most 20), five attempts in all."""

    def __init__(self, runner: QuotaRunner, time_: SimulatedTime, rng: random.Random) -> None:
        self._runner, self._time, self._rng = runner, time_, rng

    def start(self, target_arn: str, name: str, run_input: dict[str, Any]) -> str:
        for attempt in range(ATTEMPTS):
            try:
                return self._runner.start(target_arn, name, run_input)
            except ClientError:
                if attempt == ATTEMPTS - 1:
                    raise
                self._time.wait(self._rng.random() * min(MAX_BACKOFF, 2.0**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self, execution_arn: str, cause: str) -> bool:
        return True

    def resume(self, token: str, output: dict[str, Any]) -> bool:
        return True


class ClaimingRuns(TimedRuns):
    """The runs table with its reads and conditional claims at DynamoDB's latency."""

    def of_contact(self, contact_id: str) -> list[dict[str, Any]]:
        self._time.wait(CONTACT_SECONDS)
        return super().of_contact(contact_id)


def synthetic_event(event_id: str, kind: str, contact_id: str, at: str) -> TrackedEvent:
    """The same event for the same id on every run: its properties are drawn from its id."""
    draw = random.Random(event_id)  # test data, not secrets
    properties = {
        "value": draw.randint(0, 200),
        "currency": "USD",
        "form": draw.choice(FORMS),
        "source": draw.choice(SOURCES),
    }
    return TrackedEvent(
        id=event_id, type=kind, contact_id=contact_id, occurred_at=at, received_at=at, properties=properties
    )


@dataclass
class FloodReport:
    events: int
    matching: int  # the events whose trigger holds: each must enrol its contact, or wait to be redriven
    baseline_seconds: float  # the baseline: the last arrival, or StartExecution's bucket, whichever is later
    unexpected: int  # contacts started whose event the trigger does not take
    enrolled: int
    dead_lettered: int
    ghost_runs: int
    duplicate_runs: int
    simulated_seconds: float
    start_calls: int
    throttled: int
    invocations: int
    lambda_retries: int
    wall_seconds: float

    @property
    def handled(self) -> int:
        return self.enrolled + self.dead_lettered

    def lines(self) -> list[str]:
        rate = self.enrolled / self.simulated_seconds if self.simulated_seconds else 0.0
        return [
            f"events {self.events:,}, the trigger takes {self.matching:,}: enrolled {self.enrolled:,}, "
            f"failure queue {self.dead_lettered:,}, more than one run {self.duplicate_runs}, "
            f"not taken {self.unexpected}",
            f"runs claimed with no execution (until redriven) {self.ghost_runs:,}",
            f"simulated AWS time {self.simulated_seconds / 60:.1f} min ({rate:,.0f} enrolments/s); "
            f"the arrivals' and the quota's least {self.baseline_seconds / 60:.1f} min, "
            f"this run {self.simulated_seconds / self.baseline_seconds if self.baseline_seconds else 0:.2f}x",
            f"StartExecution calls {self.start_calls:,}, throttled {self.throttled:,}; trigger invocations "
            f"{self.invocations:,}, of them again after a failure {self.lambda_retries:,}",
            f"this machine: {self.wall_seconds:.1f} s",
        ]


@dataclass(frozen=True)
class Intake:
    """How events reach the trigger function: at most ``concurrency`` events handled at once, and a
    failed event delivered again after each of ``retry_delays``, then put in the failure queue."""

    name: str
    concurrency: int
    retry_delays: tuple[float, ...]
    delivery_seconds: float = DELIVERY_SECONDS  # an event's wait for its invocation, per event


# EventBridge invokes the trigger asynchronously: Lambda's concurrency, its two retries.
ASYNC = Intake("asynchronous invocations", 1000, LAMBDA_RETRY_DELAYS)
# The intake queue as infra/stack/events.py deploys it (a test compares the two).
DEPLOYED_QUEUE = {"max_concurrency": 50, "visibility_seconds": 1800, "max_receives": 5, "batch": 10}


def queue_intake(
    max_concurrency: int, visibility_seconds: float, max_receives: int, batch: int = 10
) -> Intake:
    """The events through an SQS queue: the event source mapping's maximum concurrency; a failed
    message visible again after the visibility timeout, ``max_receives`` receives in all; a batch's
    delivery shared by its ``batch`` messages, which one invocation handles one after another."""
    delays = (visibility_seconds,) * (max_receives - 1)
    return Intake("an SQS queue", max_concurrency, delays, DELIVERY_SECONDS / batch)


def deployed_queue() -> Intake:
    q = DEPLOYED_QUEUE
    return queue_intake(q["max_concurrency"], float(q["visibility_seconds"]), q["max_receives"], q["batch"])


def simulate_flood(
    events: int,
    rate: float,
    concurrency: int = 1000,
    region_class: str = "high",
    seed: int = 7,
    bucket: TokenBucket | None = None,
    intake: Intake | None = None,
    workflow: dict[str, Any] | None = None,
) -> FloodReport:
    """``events`` events at ``rate`` a second, each from a new contact, enrolling in ``workflow``
    (a validated event-triggered document of yours) or the built-in one."""
    trigger = (workflow or {}).get("trigger") or BUILT_IN
    workflow_id = str((workflow or {}).get("id") or WORKFLOW)
    began = time.perf_counter()
    sim, rng = SimulatedTime(), random.Random(seed)  # a reproducible model, not secrets
    burst, refill = START_EXECUTION[region_class]
    bucket = bucket or TokenBucket(burst, refill)
    quota = QuotaRunner(sim, bucket)
    contacts, runs, workflows = MemoryContacts(), ClaimingRuns(sim), MemoryWorkflows()
    arn = f"arn:aws:states:us-east-1:123456789012:stateMachine:nurtureflow-{workflow_id}"
    meta = {"id": workflow_id, "version": 1, "status": "active", "trigger": trigger}
    workflows.publish({**meta, "state_machine_arn": arn, "alias_arn": f"{arn}:live"}, {"version": 1}, 0)
    clock = VirtualClock(TODAY)
    dispatcher = Dispatcher(
        contacts,
        runs,
        workflows,
        MemoryEvents(),
        MemorySends(),
        BotocoreRetries(quota, sim, rng),
        clock,
    )
    taken: set[str] = set()  # contacts whose event the trigger takes, decided apart from the enrolment
    intake = intake or Intake(ASYNC.name, concurrency, ASYNC.retry_delays)
    concurrency, delays = intake.concurrency, intake.retry_delays
    ready: collections.deque[tuple[TrackedEvent, int]] = collections.deque()
    retries: list[tuple[float, int, TrackedEvent, int]] = []  # a heap: due, order, event, attempt
    order = itertools.count()
    counts = collections.Counter[str]()
    running = 0

    def invoke(event: TrackedEvent, attempt: int) -> None:
        nonlocal running
        counts["invocations"] += 1
        counts["lambda_retries"] += attempt > 0
        try:
            dispatcher.handle(event)
        except ClientError:
            if attempt < len(delays):
                due = sim.now + delays[attempt]
                heapq.heappush(retries, (due, next(order), event, attempt + 1))
            else:
                counts["dead_lettered"] += 1
        finally:
            running -= 1

    def lambda_service() -> None:
        """Arrivals at the rate, Lambda's queue and concurrency, and its retries of failed events."""
        nonlocal running
        arrived = 0
        while arrived < events or ready or retries or running:
            while arrived < events and arrived <= sim.now * rate:
                contact = synthetic_contact(f"c_{arrived:08d}")
                contacts.add(contact)
                at = f"2026-12-01T09:00:{arrived % 60:02d}+00:00"
                event = synthetic_event(f"e_{arrived:08d}", trigger["event"], contact.id, at)
                where = trigger.get("where")
                if matches(where, contact.as_condition_data(), event.as_condition_data(), TODAY):
                    taken.add(contact.id)
                ready.append((event, 0))
                arrived += 1
            while retries and retries[0][0] <= sim.now:
                _, _, event, attempt = heapq.heappop(retries)
                ready.append((event, attempt))
            while ready and running < concurrency:
                event, attempt = ready.popleft()
                running += 1
                sim.spawn(sim.now + intake.delivery_seconds, lambda e=event, a=attempt: invoke(e, a))
            sim.wait(POLL_SECONDS)

    sim.spawn(0.0, lambda_service)
    sim.run()
    started = collections.Counter(name.split("-", 1)[0] for name in quota.started)
    claimed = {run["contact_id"] for run in runs.all()}
    return FloodReport(
        events=events,
        matching=len(taken),
        baseline_seconds=max((events - 1) / rate, least_seconds(len(taken), bucket.burst, bucket.rate)),
        unexpected=len(set(started) - taken),
        enrolled=len(started),
        dead_lettered=counts["dead_lettered"],
        ghost_runs=len(claimed - set(started)),
        duplicate_runs=sum(1 for name, n in quota.started.items() if n > 1),
        simulated_seconds=sim.now,
        start_calls=quota.calls,
        throttled=quota.refused,
        invocations=counts["invocations"],
        lambda_retries=counts["lambda_retries"],
        wall_seconds=time.perf_counter() - began,
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.event_flood", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=2_000.0, help="events arriving a second")
    parser.add_argument("--intake", choices=("queue", "async"), default="queue")
    parser.add_argument("--region-class", choices=sorted(START_EXECUTION), default="high")
    parser.add_argument("--workflow", type=Path, help="an event-triggered workflow of yours (JSON)")
    args = parser.parse_args(argv)
    intake = deployed_queue() if args.intake == "queue" else ASYNC
    workflow = event_workflow(args.workflow) if args.workflow else None
    report = simulate_flood(
        args.events, args.rate, region_class=args.region_class, intake=intake, workflow=workflow
    )
    burst, refill = START_EXECUTION[args.region_class]
    print(
        f"a flood of {args.events:,} events at {args.rate:,.0f}/s through {intake.name} (at most "
        f"{intake.concurrency} at once), StartExecution {burst} burst, {refill:g}/s"
    )
    for line in report.lines():
        print("  " + line)
    if report.duplicate_runs or report.unexpected or report.handled != report.matching:
        raise SystemExit("events were lost, enrolled twice or enrolled without their trigger")


def event_workflow(path: Path) -> dict[str, Any]:
    """A workflow document the language accepts whose trigger is an event; exits with code 2
    naming what is wrong."""
    document = valid_workflow(path)
    if "event" not in (document.get("trigger") or {}):
        print("/trigger: this simulation floods an event-triggered workflow", file=sys.stderr)
        raise SystemExit(2)
    return document


if __name__ == "__main__":
    main(sys.argv[1:])
