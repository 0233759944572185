"""``wait`` ``until`` a fixed moment: the same instant for every contact, as a Step Functions Wait
state's ``Timestamp`` (RFC 3339, an uppercase ``T`` and ``Z``:
https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html)."""

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
