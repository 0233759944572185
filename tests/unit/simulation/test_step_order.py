"""The forecast lists steps as the workflow flows: what the table, the JSON and the charts show."""

from __future__ import annotations

from typing import Any

from nurtureflow.simulation.funnel import step_order
from nurtureflow.workflow.models import Workflow


def _workflow(start: str, steps: dict[str, Any]) -> Workflow:
    return Workflow.model_validate(
        {
            "schema": "workflow/v1",
            "id": "w",
            "name": "W",
            "trigger": {"event": "e"},
            "start": start,
            "steps": steps,
        }
    )


def _branch(yes: str, no: str) -> dict[str, Any]:
    return {
        "type": "branch",
        "cases": [{"when": {"field": "contact.score", "op": "gte", "value": 10}, "next": yes}],
        "default": no,
    }


def test_a_branch_s_first_path_comes_in_full_before_its_second() -> None:
    """Breadth first put the 'no' exit between the branch and the 'yes' path's later steps."""
    workflow = _workflow(
        "check",
        {
            "check": _branch("offer", "bye"),
            "offer": {"type": "email", "template": "t", "next": "wait"},
            "wait": {"type": "wait", "for": "P1D", "next": "end"},
            "end": {"type": "exit"},
            "bye": {"type": "exit"},
        },
    )
    assert step_order(workflow) == ["check", "offer", "wait", "end", "bye"]


def test_a_step_where_paths_meet_comes_after_both_and_loops_do_not_reorder() -> None:
    workflow = _workflow(
        "check",
        {
            "check": _branch("a", "b"),
            "a": {"type": "email", "template": "t", "next": "meet"},
            "b": {"type": "email", "template": "t", "next": "meet"},
            "meet": {"type": "wait", "for": "P1D", "next": "again"},
            "again": _branch("check", "done"),  # back to the start: a loop
            "done": {"type": "exit"},
        },
    )
    assert step_order(workflow) == ["check", "a", "b", "meet", "again", "done"]
