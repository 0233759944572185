"""Two waits: ``wait`` ``until`` a fixed moment, the same instant for every contact, as a Step
Functions Wait state's ``Timestamp`` (RFC 3339, an uppercase ``T`` and ``Z``:
https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html); and ``wait_for`` ``any`` of
several events, routed on the one that came first."""

from __future__ import annotations

from typing import Any

import pytest

from nurtureflow.workflow.compiler import compile_workflow
from nurtureflow.workflow.errors import WorkflowInvalidError
from nurtureflow.workflow.validate import validate_workflow
from tests.support.asl import asl_problems
from tests.unit.workflow.test_compiler import FUNCTIONS


def _document(until: Any) -> dict[str, Any]:
    return {
        "schema": "workflow/v1",
        "id": "sale",
        "name": "Sale",
        "trigger": {"event": "signed_up"},
        "start": "doors",
        "steps": {
            "doors": {"type": "wait", "until": until, "next": "hello"},
            "hello": {"type": "email", "template": "sale"},
        },
    }


def test_the_moment_is_a_wait_state_timestamp_in_utc() -> None:
    workflow = validate_workflow(_document("2026-12-24T09:00:00+01:00"), lambda t: True)
    definition = compile_workflow(workflow, 1, FUNCTIONS)
    assert definition["States"]["doors"] == {
        "Type": "Wait",
        "Timestamp": "2026-12-24T08:00:00Z",
        "Next": "hello",
    }
    assert asl_problems([definition]) == ""


@pytest.mark.parametrize("until", ["2026-12-24T09:00:00", "next christmas", "2026-13-01T00:00:00Z", 20261224])
def test_a_moment_without_its_offset_or_not_a_date_is_refused_at_its_pointer(until: Any) -> None:
    with pytest.raises(WorkflowInvalidError) as refused:
        validate_workflow(_document(until), lambda t: True)
    assert "/steps/doors/until" in [issue.pointer for issue in refused.value.issues]


def test_a_wait_has_only_one_kind() -> None:
    document = _document("2026-12-24T09:00:00Z")
    document["steps"]["doors"]["for"] = "P1D"
    with pytest.raises(WorkflowInvalidError) as refused:
        validate_workflow(document, lambda t: True)
    assert any("exactly one of 'for', 'until'" in issue.message for issue in refused.value.issues)


def _waiting_for(step: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": "workflow/v1", "id": "any", "name": "Any", "trigger": {"event": "x"}, "start": "which",
        "steps": {"which": step, "a": {"type": "exit"}, "b": {"type": "exit"}, "late": {"type": "exit"}},
    }  # fmt: skip


def test_a_wait_for_any_routes_on_the_matched_index_and_passes_asl_validator() -> None:
    step = {"type": "wait_for", "any": [{"event": "x", "next": "a"}, {"event": "y", "next": "b"}],
            "timeout": "P1D", "on_timeout": "late"}  # fmt: skip
    definition = compile_workflow(validate_workflow(_waiting_for(step), lambda t: True), 1, FUNCTIONS)
    choices = definition["States"]["which.outcome"]["Choices"]
    assert choices[0] == {"Variable": "$.waited.Error", "IsPresent": True, "Next": "late"}
    assert choices[1:] == [
        {"Variable": "$.waited.matched", "NumericEquals": 0, "Next": "a"},
        {"Variable": "$.waited.matched", "NumericEquals": 1, "Next": "b"},
    ]
    payload = definition["States"]["which"]["Parameters"]["Payload"]
    assert payload["events"] == [{"event": "x"}, {"event": "y"}]
    assert asl_problems([definition]) == ""


@pytest.mark.parametrize(
    "step",
    [
        {"type": "wait_for", "event": "x", "any": [{"event": "x", "next": "a"}, {"event": "y", "next": "b"}],
         "timeout": "P1D"},
        {"type": "wait_for", "any": [{"event": "x", "next": "a"}], "timeout": "P1D"},
        {"type": "wait_for", "any": [{"event": "x", "next": "a"}, {"event": "y", "next": "b"}], "next": "a",
         "timeout": "P1D"},
        {"type": "wait_for", "any": [{"event": "x", "next": "a"}, {"event": "y", "next": "nowhere"}],
         "timeout": "P1D"},
    ],
)  # fmt: skip
def test_a_wait_for_with_both_too_few_or_a_stray_next_is_refused(step: dict[str, Any]) -> None:
    with pytest.raises(WorkflowInvalidError) as refused:
        validate_workflow(_waiting_for(step), lambda t: True)
    assert any(i.pointer.startswith("/steps/which") for i in refused.value.issues), refused.value.issues
