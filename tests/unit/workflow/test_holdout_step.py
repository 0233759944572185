"""The ``holdout`` step: what the language accepts, what it compiles to, and what the step does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from nurtureflow.clock import VirtualClock
from nurtureflow.runs.actions import StepActions
from nurtureflow.simulation.memory import MemoryRuns, MemoryStats
from nurtureflow.stats.lift import holdout_group
from nurtureflow.stats.recorder import StatsRecorder
from nurtureflow.workflow.compiler import compile_workflow
from nurtureflow.workflow.diagram import to_mermaid
from nurtureflow.workflow.errors import WorkflowInvalidError
from nurtureflow.workflow.validate import validate_workflow
from tests.support.asl import asl_problems
from tests.unit.workflow.test_compiler import FUNCTIONS

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _workflow(**holdout: Any) -> dict[str, Any]:
    return {
        "schema": "workflow/v1",
        "id": "welcome",
        "name": "Welcome",
        "trigger": {"event": "signed_up"},
        "start": "held",
        "steps": {
            "held": {"type": "holdout", "percent": 10, "next": "hello", **holdout},
            "hello": {"type": "email", "template": "hello"},
        },
    }


def _errors(document: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(WorkflowInvalidError) as caught:
        validate_workflow(document, lambda t: True)
    return {issue.pointer: issue.message for issue in caught.value.issues}


@pytest.mark.parametrize(
    ("change", "pointer", "says"),
    [
        ({"percent": 0}, "/steps/held/percent", "greater than or equal to 1"),
        ({"percent": 100}, "/steps/held/percent", "less than or equal to 99"),
        ({"percent": "10"}, "/steps/held/percent", "integer"),
        ({"measure_for": "P400D"}, "/steps/held/measure_for", "at most P365D"),
        ({"measure_for": "a month"}, "/steps/held/measure_for", "ISO 8601 duration"),
        ({"next": "nowhere"}, "/steps/held/next", "no step is called 'nowhere'"),
    ],
)
def test_a_wrong_holdout_is_refused_naming_the_field(change: dict[str, Any], pointer: str, says: str) -> None:
    assert says in _errors(_workflow(**change))[pointer]


def test_a_holdout_needs_a_next_step_for_the_treated_group() -> None:
    document = _workflow()
    del document["steps"]["held"]["next"]
    assert _errors(document)["/steps/held/next"] == "'next' is required"


def test_a_workflow_has_one_holdout() -> None:
    document = _workflow()
    document["steps"]["hello"]["next"] = "again"
    document["steps"]["again"] = {"type": "holdout", "percent": 5, "next": "bye"}
    document["steps"]["bye"] = {"type": "exit"}
    assert _errors(document) == {
        "/steps/again": "a workflow has at most one holdout step; 'held' is its holdout"
    }


def test_it_compiles_to_a_task_that_routes_the_treated_on_and_ends_the_control_group() -> None:
    definition = compile_workflow(validate_workflow(_workflow(), lambda t: True), 1, FUNCTIONS)
    states = definition["States"]
    payload = states["held"]["Parameters"]["Payload"]
    assert (payload["action"], payload["percent"], payload["measure_for"], payload["treated"]) == (
        "holdout",
        10,
        "P30D",  # the default
        "hello",
    )
    assert states["held"]["Next"] == "held.route"
    assert states["held.route"]["Choices"] == [
        {"Variable": "$.branch.next", "StringEquals": "hello", "Next": "hello"}
    ]
    assert states["held.route"]["Default"] == "held.control"
    assert states["held.control"]["Type"] == "Succeed"
    assert asl_problems([definition]) == ""


def test_the_diagram_shows_the_share_held_out_and_the_share_treated() -> None:
    mermaid = to_mermaid(validate_workflow(_workflow(), lambda t: True))
    assert 's_held{"held: hold out 10%"}' in mermaid
    assert "s_held -->|90% treated| s_hello" in mermaid


def test_the_step_records_the_contact_s_group_and_window_on_the_run_and_counts_the_contact() -> None:
    runs, stats, clock = MemoryRuns(), MemoryStats(), VirtualClock(NOW)
    actions = StepActions(None, runs, None, None, None, clock, stats=StatsRecorder(stats, clock))  # type: ignore[arg-type]
    answers = {}
    for n in range(200):
        contact = f"c_{n}"
        runs.claim({"contact_id": contact, "workflow": "welcome", "execution_arn": f"arn:{n}",
                    "status": "running", "version": 1}, None)  # fmt: skip
        payload = {
            "action": "holdout",
            "step": "held",
            "percent": 10,
            "measure_for": "P30D",
            "treated": "hello",
            "execution": f"arn:{n}",
            "run": {"workflow": "welcome", "version": 1, "contact_id": contact, "enrolment": "e"},
        }
        answers[contact] = actions.perform(payload)["next"]
        held = (runs.get(contact, "welcome") or {})["holdout"]
        group = holdout_group("welcome", contact, 10)
        assert held == {
            "step": "held",
            "group": group,
            "since": NOW.isoformat(),
            "until": (NOW + timedelta(days=30)).isoformat(),
        }
        assert answers[contact] == ("hello" if group == "treated" else "held.control")
    control = sum(1 for nxt in answers.values() if nxt == "held.control")
    assert stats.of_workflow("welcome")[1] == {
        "holdout#control#contacts": control,
        "holdout#treated#contacts": 200 - control,
    }
