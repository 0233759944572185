"""``nurtureflow simulate`` at scale, against the bare runtime, for cart recovery and the onboarding series.

``python -m bench.engine.simulation [--contacts N] [--days D] [--workflows a,b] [--memory-contacts M]``

``--workflows`` takes catalog names (``catalog/<name>/``) or workflows of your own: a folder laid
out like a catalog entry (``workflow.json``, ``templates/<template id>.json``) or a workflow's JSON
file with its ``templates/`` folder beside it.

For each workflow, two runs over the same N contacts and D virtual days, in the same process:

- **forecast**: the whole ``Simulation`` (the real step and send logic, rendering, tracking, costing,
  simulated opens and clicks, on in-memory storage and a virtual clock);
- **bare runtime**: the same compiled state machine on the same local Step Functions runtime, with
  every Lambda task answered at once by a stub (emails "sent", branches to their default, waits for
  events never answered, best-time waits due at once): what running the workflow's states costs
  with no work in them.

Reported: contacts a second of each and their ratio (how many bare runs a forecast contact costs),
and, with ``--memory-contacts`` above zero, tracemalloc's peak per contact of each on that many
contacts (tracing slows everything, so it is a pass of its own). Compare ratios between runs, not
seconds: these machines' speed drifts.

``--process-contacts N`` runs each forecast, and its bare runtime, alone in a fresh interpreter on N
contacts and reports the process's peak resident memory as the operating system counts it
(``ru_maxrss``) and its seconds: what a forecast job needs of its function, interpreter included
(``--process-contacts 100000`` is the size the admin API serves at most).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from nurtureflow.clock import VirtualClock
from nurtureflow.local.stepfunctions import LocalStepFunctions
from nurtureflow.simulation.forecast import ARRIVALS, FUNCTIONS, ROLE_ARN, Simulation, SimulationRequest
from nurtureflow.workflow.compiler import compile_workflow
from nurtureflow.workflow.errors import WorkflowInvalidError
from nurtureflow.workflow.models import Workflow

CATALOG = Path(__file__).parents[2] / "catalog"
WORKFLOWS = ("cart-recovery", "onboarding-series")
START = datetime(2026, 11, 30, 9, tzinfo=UTC)
T = TypeVar("T")


def _workflow_file(name: str) -> Path:
    """A catalog entry's ``workflow.json``, or a workflow of your own: its JSON file, or a folder
    laid out as a catalog entry's (``workflow.json`` and ``templates/*.json``)."""
    given = Path(name)
    if given.is_file():
        return given
    if given.is_dir():
        return given / "workflow.json"
    return CATALOG / name / "workflow.json"


def _document(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(_workflow_file(name).read_text())
    return loaded


def _templates(name: str) -> dict[str, dict[str, Any]]:
    """The templates beside the workflow, each ``templates/<id>.json`` (an upload's body)."""
    folder = _workflow_file(name).parent / "templates"
    return {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}


def forecast(name: str, contacts: int, days: int) -> dict[str, Any]:
    request = SimulationRequest(
        contacts=contacts, days=days, open_rate=0.3, click_rate=0.05, goal_rate=0.1, seed=1, start=START
    )
    return Simulation(_document(name), _templates(name), request).run()


def _stub(clock: VirtualClock) -> Callable[[str, Any], Any]:
    """The send and step functions, answering at once with what lets a run go on."""
    now = lambda: clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731

    def answer(_function: str, payload: Any) -> Any:
        action = payload.get("action")
        if action == "email":
            return {"send_id": "s", "status": "sent", "until": None}
        if action == "branch":
            return {"next": payload.get("default")}
        if action == "wait_until":
            return {"until": now()}
        if action == "wait_for":
            return {"waiting": payload.get("event")}
        return {}

    return answer


def bare(name: str, contacts: int, days: int) -> tuple[int, int]:
    """The compiled workflow with stubbed tasks, contacts arriving over the first hour as in a
    forecast; the state transitions made, and the runs that succeeded."""
    workflow = Workflow.model_validate(_document(name))
    clock = VirtualClock(START)
    sfn = LocalStepFunctions(_stub(clock), clock=clock, history=False)
    definition = json.dumps(compile_workflow(workflow, 1, FUNCTIONS))
    arn = sfn.create_state_machine(workflow.id, definition, ROLE_ARN)["stateMachineArn"]
    rng = random.Random(1)  # arrivals, not secrets
    arrivals = sorted(ARRIVALS * rng.random() for _ in range(contacts))
    executions = []
    for index, arrives in enumerate(arrivals):
        sfn.advance(max(START + arrives - clock.now(), timedelta(0)))
        run = {"workflow": workflow.id, "version": 1, "contact_id": f"c{index}", "enrolment": f"e{index}"}
        event = {"type": "signed_up", "properties": {"value": 42}}
        started = sfn.start_execution(
            arn, name=f"c{index}", input=json.dumps({"run": {**run, "event": event}})
        )
        executions.append(str(started["executionArn"]))
        sfn.run_due()
    sfn.advance(START + timedelta(days=days) - clock.now())
    described = [sfn.describe_execution(a) for a in executions]
    succeeded = sum(d["status"] == "SUCCEEDED" for d in described)
    return sum(d["nurtureflowTransitions"] for d in described), succeeded


def _timed(work: Callable[[], T]) -> tuple[float, T]:
    """Seconds ``work`` took, and what it answered."""
    gc.collect()
    started = time.perf_counter()
    answer = work()
    return time.perf_counter() - started, answer


def _peak(work: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def report(name: str, contacts: int, days: int, memory_contacts: int) -> None:
    full, result = _timed(lambda: forecast(name, contacts, days))
    runtime, _ = _timed(lambda: bare(name, contacts, days))
    print(f"  {name}: {result['emails']:,} emails, {result['transitions']:,} transitions")
    print(f"    forecast      {contacts / full:9,.0f} contacts/s  ({full:.2f} s)")
    print(f"    bare runtime  {contacts / runtime:9,.0f} contacts/s  ({runtime:.2f} s)")
    print(f"    ratio         {full / runtime:9.1f}x the bare runtime's time")
    if memory_contacts:
        ours = _peak(lambda: forecast(name, memory_contacts, days)) / memory_contacts / 1024
        theirs = _peak(lambda: bare(name, memory_contacts, days)) / memory_contacts / 1024
        print(f"    peak per contact ({memory_contacts:,}): forecast {ours:.1f} KiB, bare {theirs:.1f} KiB")


def _alone(kind: str, name: str, contacts: int, days: int) -> dict[str, float]:
    """Run one forecast or bare run in a fresh interpreter: its seconds and peak resident MiB."""
    child = [sys.executable, "-m", "bench.engine.simulation", "--child", kind, name, str(contacts), str(days)]
    root = Path(__file__).parents[2]
    answer = subprocess.run(child, capture_output=True, text=True, check=True, cwd=root)  # noqa: S603 - our own module
    measured: dict[str, float] = json.loads(answer.stdout.strip().splitlines()[-1])
    return measured


def _child(kind: str, name: str, contacts: int, days: int) -> None:
    seconds, _ = _timed(lambda: (forecast if kind == "forecast" else bare)(name, contacts, days))
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024}))


def report_process(name: str, contacts: int, days: int) -> None:
    ours, theirs = _alone("forecast", name, contacts, days), _alone("bare", name, contacts, days)
    print(f"  {name}, each alone in a fresh interpreter on {contacts:,} contacts:")
    for label, measured in (("forecast", ours), ("bare runtime", theirs)):
        print(
            f"    {label:13} {contacts / measured['seconds']:9,.0f} contacts/s  "
            f"({measured['seconds']:.1f} s), peak resident {measured['peak_mib']:,.0f} MiB"
        )


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        _child(argv[1], argv[2], int(argv[3]), int(argv[4]))
        return
    parser = argparse.ArgumentParser(prog="python -m bench.engine.simulation")
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument(
        "--workflows", default=",".join(WORKFLOWS), help="catalog names, or folders or files of your own"
    )
    parser.add_argument("--memory-contacts", type=int, default=0, help="trace peak memory on this many")
    parser.add_argument(
        "--process-contacts", type=int, default=0, help="peak resident memory of a fresh process on this many"
    )
    args = parser.parse_args(argv)
    print(f"simulate: {args.contacts:,} contacts over {args.days} virtual days, forecast and bare runtime")
    for name in args.workflows.split(","):
        try:
            report(name, args.contacts, args.days, args.memory_contacts)
        except WorkflowInvalidError as refused:  # a workflow of your own, refused as an upload is
            for issue in refused.issues:
                print(f"  {name}: {issue.pointer or '/'}: {issue.message}", file=sys.stderr)
            sys.exit(2)
        if args.process_contacts:
            report_process(name, args.process_contacts, args.days)


if __name__ == "__main__":
    main(sys.argv[1:])
