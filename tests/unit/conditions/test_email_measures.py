"""An email condition tests one measure of one email: opened, clicked, delivered, bounced or
complained; none or two are refused at the condition's pointer."""

from __future__ import annotations

from typing import Any

import pytest

from nurtureflow.workflow.errors import WorkflowInvalidError
from nurtureflow.workflow.validate import validate_workflow


def _branching_on(condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": "workflow/v1", "id": "measures", "name": "Measures", "trigger": {"event": "x"},
        "start": "first",
        "steps": {
            "first": {"type": "email", "template": "t", "next": "later"},
            "later": {"type": "wait", "for": "PT1H", "next": "which"},
            "which": {"type": "branch", "cases": [{"when": condition, "next": "end"}], "default": "end"},
            "end": {"type": "exit"},
        },
    }  # fmt: skip


@pytest.mark.parametrize("measure", ["opened", "clicked", "delivered", "bounced", "complained"])
def test_each_measure_alone_is_a_condition(measure: str) -> None:
    workflow = validate_workflow(_branching_on({"email": "first", measure: False}), lambda t: True)
    condition = workflow.steps["which"].cases[0].when  # type: ignore[union-attr]
    assert condition.measure == (measure, False)


@pytest.mark.parametrize(
    "condition", [{"email": "first"}, {"email": "first", "opened": True, "bounced": True}]
)
def test_none_or_two_measures_are_refused(condition: dict[str, Any]) -> None:
    with pytest.raises(WorkflowInvalidError) as refused:
        validate_workflow(_branching_on(condition), lambda t: True)
    assert any(i.pointer.startswith("/steps/which/cases/0/when") for i in refused.value.issues)
