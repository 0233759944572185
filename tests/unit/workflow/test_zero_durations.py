"""Zero durations: an offset of zero is a date itself (a birthday on the day), a cooldown or a due
of zero means none or at once; a wait, timeout or window of zero is refused (a loop's wait must
take time, and an empty window matches nothing)."""

from __future__ import annotations

from typing import Any

import pytest

from nurtureflow.workflow.errors import WorkflowInvalidError
from nurtureflow.workflow.validate import validate_workflow


def _workflow(trigger: dict[str, Any], steps: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {
        "schema": "workflow/v1",
        "id": "zero",
        "name": "Zero",
        "trigger": trigger,
        "start": next(iter(steps)),
        "steps": steps,
        **top,
    }


def _pointers(document: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(WorkflowInvalidError) as caught:
        validate_workflow(document, lambda t: True)
    return {issue.pointer: issue.message for issue in caught.value.issues}


@pytest.mark.parametrize("offset", ["P0D", "PT0S", "-P0D", "P1D", "-P7D", "-PT12H"])
def test_a_date_trigger_takes_any_offset_with_an_optional_minus(offset: str) -> None:
    trigger = {"date": {"field": "contact.properties.birthday", "every": "year", "offset": offset}}
    workflow = validate_workflow(_workflow(trigger, {"hello": {"type": "exit"}}), lambda t: True)
    assert workflow.id == "zero"


def test_zero_is_accepted_where_it_means_on_the_day_none_or_at_once() -> None:
    steps = {
        "on-the-day": {
            "type": "wait",
            "until_date": {"field": "contact.properties.renewal", "offset": "P0D"},
            "next": "call",
        },
        "call": {"type": "task", "title": "Call", "due": "PT0S"},
    }
    document = _workflow({"manual": True}, steps, reentry={"policy": "after_exit", "cooldown": "P0D"})
    assert validate_workflow(document, lambda t: True).id == "zero"


@pytest.mark.parametrize(
    ("step", "pointer"),
    [
        ({"type": "wait", "for": "PT0S", "next": "end"}, "/steps/first/for"),
        ({"type": "wait", "best_time": {"within": "P0D"}, "next": "end"}, "/steps/first/best_time/within"),
        (
            {"type": "wait_for", "event": "cta_clicked", "timeout": "P0D", "on_timeout": "end"},
            "/steps/first/timeout",
        ),
    ],
)
def test_a_wait_timeout_or_window_of_zero_is_refused(step: dict[str, Any], pointer: str) -> None:
    document = _workflow({"manual": True}, {"first": step, "end": {"type": "exit"}})
    assert "longer than zero" in _pointers(document)[pointer]


def test_a_negative_wait_is_refused_as_before() -> None:
    document = _workflow({"manual": True}, {"first": {"type": "wait", "for": "-PT1H"}})
    assert "/steps/first/for" in _pointers(document)
