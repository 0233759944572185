"""Validating and compiling a generated 500-step workflow, against ``json.loads`` of the same document.

``python -m bench.compile [--steps N] [--repeat R]``: best-of-R timings, so a noisy neighbour
inflates neither figure; the ratio is what to compare between runs.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

from nurtureflow.workflow.compiler import TaskFunctions, compile_workflow
from nurtureflow.workflow.validate import validate_workflow

FUNCTIONS = TaskFunctions(
    "arn:aws:lambda:us-east-1:1:function:step", "arn:aws:lambda:us-east-1:1:function:send"
)
KINDS = ("wait", "email", "branch", "wait_for", "update", "split")


def generated_workflow(steps: int) -> dict[str, Any]:
    """A chain of ``steps`` steps cycling through every compiled kind, ending in exit."""
    ids = [f"s{i}" for i in range(steps)] + ["end"]
    body: dict[str, Any] = {"end": {"type": "exit"}}
    for i in range(steps):
        nxt = ids[i + 1]
        body[ids[i]] = {
            "wait": {"type": "wait", "for": "PT1H", "next": nxt},
            "email": {"type": "email", "template": f"t{i % 7}", "next": nxt},
            "branch": {
                "type": "branch",
                "default": nxt,
                "cases": [
                    {
                        "when": {
                            "all": [
                                {"field": "contact.score", "op": "gte", "value": i},
                                {"field": "event.value", "op": "lt", "value": 100},
                            ]
                        },
                        "next": nxt,
                    }
                ],
            },
            "wait_for": {
                "type": "wait_for",
                "event": "email_clicked",
                "timeout": "P1D",
                "next": nxt,
                "on_timeout": nxt,
            },
            "update": {"type": "update", "score": 1, "next": nxt},
            "split": {"type": "split", "paths": [{"percent": 50, "next": nxt}, {"percent": 50, "next": nxt}]},
        }[KINDS[i % len(KINDS)]]
    return {
        "schema": "workflow/v1",
        "id": "bench",
        "name": "Bench",
        "trigger": {"event": "cart_updated"},
        "start": "s0",
        "steps": body,
    }


def best_of(repeat: int, work: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    text = json.dumps(generated_workflow(args.steps))

    def validate_and_compile() -> object:
        return compile_workflow(validate_workflow(json.loads(text), lambda _: True), 1, FUNCTIONS)

    states = len(validate_and_compile()["States"])  # type: ignore[index]
    baseline = best_of(args.repeat, lambda: json.loads(text))
    figure = best_of(args.repeat, validate_and_compile)
    print(f"document: {args.steps} steps, {len(text):,} bytes; ASL: {states} states")
    print(f"baseline json.loads:          {baseline * 1000:8.3f} ms")
    print(f"validate + compile:           {figure * 1000:8.3f} ms")
    print(f"ratio (compile / json.loads): {figure / baseline:8.1f}x")


if __name__ == "__main__":
    main()
