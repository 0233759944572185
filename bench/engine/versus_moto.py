"""The catalog workflows, stubbed tasks and zero-second waits, on our runtime and on moto's interpreter.

``python -m bench.engine.versus_moto [--runs N] [--repeat R]``: each of the catalog's workflows runs N
times on one engine, then on the other, in this process; the figure is the best of R such rounds, per
run. Lambda tasks answer the happy path (``tests.support.differential.stub_script``), awaited events
arrive at once by SendTaskSuccess. moto's runs are driven as a client drives them: through boto3,
polling DescribeExecution every millisecond (and the history only until the run's task tokens are
answered). Our aim: at least 50 times faster than moto.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.compile import best_of
from nurtureflow.workflow.compiler import TaskFunctions, compile_workflow
from nurtureflow.workflow.validate import validate_workflow
from tests.support.differential import MotoEngine, OurEngine, Script, moto_engine, shorten_waits, stub_script

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = TaskFunctions(
    step_arn="arn:aws:lambda:us-east-1:123456789012:function:nurtureflow-step",
    send_arn="arn:aws:lambda:us-east-1:123456789012:function:nurtureflow-send",
)
AIM = 50.0


@dataclass(frozen=True)
class Workload:
    """One catalog workflow, ready on both engines, with the Lambda results a run takes."""

    name: str
    script: Script
    results: list[Any]
    tokens: int
    ours_arn: str
    moto_arn: str


def catalog_definitions() -> dict[str, dict[str, Any]]:
    """Each catalog workflow compiled, its waits shortened to nothing."""
    definitions = {}
    for path in sorted((ROOT / "catalog").glob("*/workflow.json")):
        workflow = validate_workflow(json.loads(path.read_text()), lambda _: True)
        definitions[path.parent.name] = shorten_waits(compile_workflow(workflow, 1, FUNCTIONS))
    return definitions


def prepare(ours: OurEngine, moto: MotoEngine) -> list[Workload]:
    """Create every machine on both engines; one run on ours records the Lambda results to replay."""
    workloads = []
    for name, definition in catalog_definitions().items():
        script = stub_script(definition, workflow=name)
        ours_arn = ours.create(name, definition)
        outcome, results = ours.run(ours_arn, "recording", script)
        assert outcome.status == "SUCCEEDED", f"{name}: {outcome}"
        tokens = sum(1 for state in outcome.calls if state in script.callbacks)
        workloads.append(Workload(name, script, results, tokens, ours_arn, moto.create(name, definition)))
    return workloads


def rounds(
    runs: int, workloads: list[Workload], run_one: Callable[[Workload, str], object]
) -> Callable[[], None]:
    """One round: every workload ``runs`` times, each run under a fresh execution name."""
    names = (f"run-{number}" for number in itertools.count())

    def round_() -> None:
        for workload in workloads:
            for _ in range(runs):
                run_one(workload, next(names))

    return round_


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of each workflow per round")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best one counts")
    args = parser.parse_args(argv)
    with moto_engine() as moto:
        ours = OurEngine()
        workloads = prepare(ours, moto)
        ours_round = rounds(
            args.runs, workloads, lambda w, name: ours.run(w.ours_arn, name, w.script, replay=w.results)
        )
        moto_round = rounds(
            args.runs, workloads, lambda w, name: moto.run(w.moto_arn, name, w.script, w.results, w.tokens)
        )
        per_round = args.runs * len(workloads)
        ours_time = best_of(args.repeat, ours_round) / per_round
        moto_time = best_of(args.repeat, moto_round) / per_round
    ratio = moto_time / ours_time
    print(f"catalog: {len(workloads)} workflows x {args.runs} runs, best of {args.repeat} rounds")
    print(f"ours (local runtime):         {ours_time * 1000:8.3f} ms per run")
    print(f"moto's interpreter:           {moto_time * 1000:8.3f} ms per run")
    print(f"ratio (moto / ours):          {ratio:8.1f}x   (aim: at least {AIM:.0f}x)")


if __name__ == "__main__":
    main()
