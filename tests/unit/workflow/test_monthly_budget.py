"""``settings.monthly_budget_usd``: validated as a positive number, and carried exactly to each email."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from nurtureflow.sending.delivery import SendRequest
from nurtureflow.workflow.compiler import TaskFunctions, compile_workflow
from nurtureflow.workflow.errors import WorkflowInvalidError
from nurtureflow.workflow.schema import workflow_json_schema
from nurtureflow.workflow.validate import validate_workflow

FUNCTIONS = TaskFunctions(
    step_arn="arn:aws:lambda:us-east-1:123456789012:function:nurtureflow-step",
    send_arn="arn:aws:lambda:us-east-1:123456789012:function:nurtureflow-send",
)


def _errors(document: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(WorkflowInvalidError) as caught:
        validate_workflow(document, lambda t: True)
    return {issue.pointer: issue.message for issue in caught.value.issues}


@pytest.mark.parametrize("budget", [0, -5, "50", True, None, 1e12, [50], {"usd": 50}])
def test_a_budget_that_is_not_a_positive_number_is_refused_at_its_pointer(
    cart_recovery: dict[str, Any], budget: Any
) -> None:
    cart_recovery["settings"]["monthly_budget_usd"] = budget
    if budget is None:  # null is "no budget", as if the key were absent
        assert validate_workflow(cart_recovery, lambda t: True).settings.monthly_budget_usd is None
        return
    assert "/settings/monthly_budget_usd" in _errors(cart_recovery)


def test_the_budget_reaches_every_email_task_as_exact_text(cart_recovery: dict[str, Any]) -> None:
    cart_recovery["settings"]["monthly_budget_usd"] = 0.1
    workflow = validate_workflow(cart_recovery, lambda t: True)
    assert workflow.settings.monthly_budget_usd == Decimal("0.1")  # one tenth, not a binary fraction
    states = compile_workflow(workflow, 1, FUNCTIONS)["States"]
    payloads = [
        s["Parameters"]["Payload"]
        for s in states.values()
        if s.get("Parameters", {}).get("Payload", {}).get("action") == "email"
    ]
    assert payloads
    assert all(p["budget"] == {"monthly_usd": "0.1"} for p in payloads)
    request = {**payloads[0], "run": {"workflow": "w", "version": 1, "contact_id": "c", "enrolment": "e"}}
    request.update(execution="arn:x", entered="2026-11-23T00:00:00Z")
    assert SendRequest.from_payload(request).budget_usd == Decimal("0.1")


def test_without_a_budget_no_email_task_carries_one(cart_recovery: dict[str, Any]) -> None:
    states = compile_workflow(validate_workflow(cart_recovery, lambda t: True), 1, FUNCTIONS)["States"]
    assert not [s for s in states.values() if "budget" in s.get("Parameters", {}).get("Payload", {})]


def test_the_schema_says_a_positive_number() -> None:
    settings = workflow_json_schema()["$defs"]["Settings"]["properties"]["monthly_budget_usd"]
    assert {"type": "number", "exclusiveMinimum": 0, "maximum": 1_000_000_000} in settings["anyOf"]


def test_a_workflow_with_a_budget_dumps_it_as_a_json_number_and_reads_it_back(
    cart_recovery: dict[str, Any],
) -> None:
    cart_recovery["settings"]["monthly_budget_usd"] = 12.5
    dumped = validate_workflow(cart_recovery, lambda t: True).model_dump(mode="json", by_alias=True)
    assert dumped["settings"]["monthly_budget_usd"] == 12.5
    assert validate_workflow(dumped, lambda t: True).settings.monthly_budget_usd == Decimal("12.5")
