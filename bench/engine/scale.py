"""100,000 contacts through the compiled abandoned-cart workflow over 30 virtual days, tasks stubbed.

``python -m bench.engine.scale [--contacts N] [--days D] [--history-contacts M]``

Every contact waits an hour, gets the reminder, then waits a day for a click that never comes (the
task-token wait times out), gets an offer and ends: ten states, four Lambda tasks. Reported:

- the time to start every execution and run what is due at once (each then waits on its first timer);
- tracemalloc's peak with every execution waiting for its click at once, in a separate pass (tracing
  slows everything down, so it is kept out of the timings);
- the time to advance the virtual clock by ``--days``, which runs everything else, and the total, with the
  share of Python's garbage collector (every contact moves in step here, so each batch of 100,000 task
  calls outlives the young generations and brings on full collections);
- the baseline, run in the same process: a JSON round trip of each run's input for every state transition
  it makes (the least any runtime does to hand a state its input), and the runtime's ratio to it;
- the same with the event history kept (the API's default), on ``--history-contacts`` contacts.

The simulator runs with ``history=False``; the ratio is what to compare between runs.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from nurtureflow.clock import VirtualClock
from nurtureflow.local.stepfunctions import LocalStepFunctions
from nurtureflow.workflow.compiler import TaskFunctions, compile_workflow
from nurtureflow.workflow.models import Workflow

WORKFLOW = Path(__file__).resolve().parents[2] / "catalog" / "cart-recovery" / "workflow.json"
FUNCTIONS = TaskFunctions(
    step_arn="arn:aws:lambda:us-east-1:000000000000:function:step",
    send_arn="arn:aws:lambda:us-east-1:000000000000:function:send",
)
ROLE = "arn:aws:iam::000000000000:role/sfn"
UNTIL_WAITING = timedelta(hours=2)  # past the hour's wait and the reminder: every run awaits its click


def definition() -> str:
    workflow = Workflow.model_validate(json.loads(WORKFLOW.read_text()))
    return json.dumps(compile_workflow(workflow, 1, FUNCTIONS))


def stub(function_name: str, payload: Any) -> Any:
    """The send and step functions, stubbed: every email goes, branches take their default."""
    action = payload["action"]
    if action == "email":
        return {"status": "sent", "until": None}
    if action == "branch":
        return {"next": payload["default"]}
    if action == "wait_for":
        return {"waiting": "clicked"}
    return {}


def run_input(index: int) -> str:
    event = {"type": "cart_updated", "properties": {"value": 42}}
    run = {"workflow": "cart-recovery", "version": 1, "contact_id": f"c{index}", "enrolment": f"e{index}"}
    return json.dumps({"run": {**run, "event": event}})


@dataclass
class Figures:
    start: float
    advance: float
    collecting: float  # of start + advance, the time Python's garbage collector took
    transitions: int
    succeeded: int

    @property
    def total(self) -> float:
        return self.start + self.advance


def start_all(contacts: int, *, history: bool) -> tuple[LocalStepFunctions, list[str]]:
    sfn = LocalStepFunctions(stub, clock=VirtualClock(), history=history)
    arn = sfn.create_state_machine("cart-recovery", definition(), ROLE)["stateMachineArn"]
    executions = [
        str(sfn.start_execution(arn, name=f"c{index}", input=run_input(index))["executionArn"])
        for index in range(contacts)
    ]
    sfn.run_due()
    return sfn, executions


def timed(contacts: int, days: int, *, history: bool) -> Figures:
    with GarbageCollectorTime() as collecting:
        started = time.perf_counter()
        sfn, executions = start_all(contacts, history=history)
        start = time.perf_counter() - started
        started = time.perf_counter()
        sfn.advance(timedelta(days=days))
        advance = time.perf_counter() - started
    described = [sfn.describe_execution(arn) for arn in executions]
    transitions = sum(description["nurtureflowTransitions"] for description in described)
    succeeded = sum(description["status"] == "SUCCEEDED" for description in described)
    return Figures(start, advance, collecting.seconds, transitions, succeeded)


class GarbageCollectorTime:
    """The time spent in garbage collections while the block runs (gc's own callbacks time them)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def _on_collection(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> GarbageCollectorTime:
        gc.callbacks.append(self._on_collection)
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.callbacks.remove(self._on_collection)


def peak_waiting(contacts: int, *, history: bool) -> int:
    """tracemalloc's peak, in bytes, from nothing to every execution waiting for its click."""
    gc.collect()
    tracemalloc.start()
    try:
        sfn, _executions = start_all(contacts, history=history)
        sfn.advance(UNTIL_WAITING)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def baseline(contacts: int, transitions_per_run: float) -> float:
    """A JSON round trip of each run's input for every state transition it makes."""
    rounds = round(transitions_per_run)
    started = time.perf_counter()
    for index in range(contacts):
        text = run_input(index)
        for _ in range(rounds):
            text = json.dumps(json.loads(text))
    return time.perf_counter() - started


def fresh(work: Callable[[], Any]) -> Any:
    """Run with what the previous pass left collected first."""
    gc.collect()
    return work()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--history-contacts", type=int, default=10_000)
    args = parser.parse_args(argv)
    contacts, per_kept = args.contacts, args.history_contacts

    light = fresh(lambda: timed(contacts, args.days, history=False))
    per_run = light.transitions / contacts
    base = fresh(lambda: baseline(contacts, per_run))
    peak = fresh(lambda: peak_waiting(contacts, history=False))
    kept = fresh(lambda: timed(per_kept, args.days, history=True))
    kept_peak = fresh(lambda: peak_waiting(per_kept, history=True))

    print(f"{contacts:,} contacts, cart recovery over {args.days} virtual days, tasks stubbed, history off")
    print(f"  ended: {light.succeeded:,} succeeded; {per_run:.1f} state transitions a run")
    row("start (and run what is due)", f"{light.start:8.2f} s")
    row(f"advance {args.days} days", f"{light.advance:8.2f} s")
    row("total", f"{light.total:8.2f} s", f"{light.total / contacts * 1e6:,.0f} µs a run")
    row("  of which garbage collection", f"{light.collecting:8.2f} s")
    row("peak traced, all waiting", f"{peak / 2**20:8.1f} MiB", f"{peak / contacts:,.0f} bytes a run")
    row("baseline: JSON round trips", f"{base:8.2f} s", "the run's input, once per transition")
    row("ratio (total / baseline)", f"{light.total / base:8.1f}x")
    print(f"{per_kept:,} contacts with the event history kept (the API's default)")
    row("total", f"{kept.total:8.2f} s", f"{kept.total / per_kept * 1e6:,.0f} µs a run")
    row(
        "peak traced, all waiting",
        f"{kept_peak / 2**20:8.1f} MiB",
        f"{kept_peak / per_kept:,.0f} bytes a run",
    )


def row(label: str, figure: str, note: str = "") -> None:
    print(f"  {label + ':':<30}{figure}" + (f"   ({note})" if note else ""))


if __name__ == "__main__":
    main()
