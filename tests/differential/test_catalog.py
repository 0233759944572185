"""Every catalog workflow, compiled, runs the same on our runtime and on moto's interpreter.

Each case is a path a real run takes: the scripted answers pick the branch, the awaited event or its
timeout, a quiet-hours deferral. Both engines must enter the same states in the same order, end with
the same status and output, and bill the same number of transitions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nurtureflow.workflow.compiler import TaskFunctions, compile_workflow
from nurtureflow.workflow.validate import validate_workflow
from tests.support.differential import (
    DEFERRED,
    SENT,
    Fail,
    MotoEngine,
    TimeOut,
    run_both,
    stub_script,
    without_failure_causes,
)

ROOT = Path(__file__).resolve().parents[2]
CATALOG = sorted(path.parent.name for path in (ROOT / "catalog").glob("*/workflow.json"))
FUNCTIONS = TaskFunctions(
    step_arn="arn:aws:lambda:us-east-1:123456789012:function:nurtureflow-step",
    send_arn="arn:aws:lambda:us-east-1:123456789012:function:nurtureflow-send",
)


def compiled(name: str) -> dict[str, Any]:
    document = json.loads((ROOT / "catalog" / name / "workflow.json").read_text())
    return compile_workflow(validate_workflow(document, lambda _: True), 1, FUNCTIONS)


# (workflow, case): the script's routes, Lambda results and token answers beyond the happy path.
PATHS: dict[tuple[str, str], dict[str, Any]] = {
    ("cart-recovery", "clicked"): {},
    ("cart-recovery", "no click, high score"): {
        "callbacks": {"clicked": [TimeOut()]},
        "routes": {"offer": "offer-10"},
    },
    ("cart-recovery", "no click, low score"): {"callbacks": {"clicked": [TimeOut()]}},
    ("cart-recovery", "quiet hours defer the reminder"): {"results": {"reminder": [DEFERRED, SENT]}},
    ("post-purchase", "answered"): {},
    ("post-purchase", "no answer ends the run"): {"callbacks": {"answered": [TimeOut()]}},
    ("re-engagement", "came back"): {},
    ("re-engagement", "came back late"): {"callbacks": {"came-back": [TimeOut()]}},
    ("re-engagement", "sunset"): {"callbacks": {"came-back": [TimeOut()], "came-back-late": [TimeOut()]}},
    ("welcome-double-opt-in", "confirmed"): {},
    ("welcome-double-opt-in", "confirmed after the reminder"): {"callbacks": {"confirmed": [TimeOut()]}},
}


# Catalog workflows moto's interpreter cannot run, and why; tests/unit/local_stepfunctions and
# tests/integration cover them on our runtime.
NOT_ON_MOTO = {"lead-to-crm": "moto's interpreter runs no HTTP Task (arn:aws:states:::http:invoke)"}


def cases() -> list[tuple[str, str]]:
    scripted = {workflow for workflow, _ in PATHS}
    return [(n, "happy path") for n in CATALOG if n not in scripted and n not in NOT_ON_MOTO] + list(PATHS)


@pytest.mark.parametrize(("workflow", "case"), cases(), ids=[f"{w}: {c}" for w, c in cases()])
def test_catalog_workflow_runs_the_same_on_both_engines(workflow: str, case: str, moto: MotoEngine) -> None:
    definition = compiled(workflow)
    script = stub_script(definition, workflow=workflow, **PATHS.get((workflow, case), {}))
    ours, theirs = run_both(definition, script, moto)
    assert ours == theirs


def test_every_catalog_workflow_is_covered() -> None:
    assert len(CATALOG) == 10
    assert {workflow for workflow, _ in cases()} | set(NOT_ON_MOTO) == set(CATALOG)


def test_a_failed_wait_goes_down_the_failure_path_on_both(moto: MotoEngine) -> None:
    """SendTaskFailure: the catcher records the error and the failure path ends the run.

    moto drops SendTaskFailure's cause (docs/runtime-fidelity.md), so causes are compared blanked;
    ours keeps the cause, as AWS does.
    """
    definition = compiled("welcome-double-opt-in")
    script = stub_script(definition, callbacks={"confirmed": [Fail("ContactGone", "erased while waiting")]})
    ours, theirs = run_both(definition, script, moto)
    assert without_failure_causes(ours) == without_failure_causes(theirs)
    assert ours.states[-1] == "run.failed"
    assert ours.output["failure"] == {"Error": "ContactGone", "Cause": "erased while waiting"}


def test_the_paths_differ_where_the_script_says_they_do(moto: MotoEngine) -> None:
    """A check on the harness: a timeout and a branch route really change the states entered."""
    definition = compiled("cart-recovery")
    clicked, _ = run_both(definition, stub_script(definition), moto)
    high = stub_script(definition, callbacks={"clicked": [TimeOut()]}, routes={"offer": "offer-10"})
    timed_out, _ = run_both(definition, high, moto)
    assert "offer" not in clicked.states
    assert {"clicked.outcome", "offer", "offer.route", "offer-10"} <= set(timed_out.states)
    assert "offer-5" not in timed_out.states
