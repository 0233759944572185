"""The language's validation: every error at once, each with its JSON Pointer and a plain sentence."""

from __future__ import annotations

from typing import Any

import pytest

from nurtureflow.workflow.errors import WorkflowInvalidError
from nurtureflow.workflow.validate import validate_workflow


def _errors(
    document: Any, templates: tuple[str, ...] = ("cart-reminder", "cart-offer-10", "cart-offer-5")
) -> dict[str, str]:
    with pytest.raises(WorkflowInvalidError) as caught:
        validate_workflow(document, lambda t: t in templates)
    return {issue.pointer: issue.message for issue in caught.value.issues}


def test_contract_example_is_valid(cart_recovery: dict[str, Any]) -> None:
    workflow = validate_workflow(cart_recovery, lambda t: True)
    assert workflow.id == "cart-recovery"
    assert workflow.start == "wait-1h"
    assert set(workflow.steps) == {"wait-1h", "reminder", "clicked", "offer", "offer-10", "offer-5", "done"}


def test_every_error_is_reported_at_once_with_its_pointer(cart_recovery: dict[str, Any]) -> None:
    cart_recovery["colour"] = "blue"
    cart_recovery["steps"]["offer"]["cases"][0]["next"] = "offer-20"
    cart_recovery["steps"]["wait-1h"]["for"] = "one hour"
    del cart_recovery["steps"]["clicked"]["timeout"]
    cart_recovery["steps"]["offer-5"]["template"] = "missing-template"
    errors = _errors(cart_recovery)
    assert errors["/colour"] == "'colour' is not a known key here"
    assert errors["/steps/offer/cases/0/next"] == "no step is called 'offer-20'"
    assert "ISO 8601 duration" in errors["/steps/wait-1h/for"]
    assert errors["/steps/clicked/timeout"] == "'timeout' is required"
    assert errors["/steps/offer-5/template"] == (
        "no email template is called 'missing-template' (layouts and partials are never sent alone)"
    )
    # offer-10 is no longer reached by any path.
    assert errors["/steps/offer-10"] == "no path from 'start' reaches step 'offer-10'"


def test_unknown_key_inside_a_nested_condition_is_pointed_at(cart_recovery: dict[str, Any]) -> None:
    cart_recovery["trigger"]["where"] = {
        "all": [{"field": "event.value", "op": "gte", "value": 1, "unit": "x"}]
    }
    assert _errors(cart_recovery) == {"/trigger/where/all/0/unit": "'unit' is not a known key here"}


def test_bad_field_path_gets_a_sentence_a_marketer_understands(cart_recovery: dict[str, Any]) -> None:
    cart_recovery["steps"]["offer"]["cases"][0]["when"]["field"] = "score"
    message = _errors(cart_recovery)["/steps/offer/cases/0/when/field"]
    assert "starting with 'contact.' or 'event.'" in message


def test_split_percents_must_add_to_100(cart_recovery: dict[str, Any]) -> None:
    cart_recovery["steps"]["offer"] = {
        "type": "split",
        "paths": [{"percent": 60, "next": "offer-10"}, {"percent": 30, "next": "offer-5"}],
    }
    assert _errors(cart_recovery) == {"/steps/offer/paths": "the percents of a split add up to 90, not 100"}


def test_a_loop_without_a_wait_is_refused(cart_recovery: dict[str, Any]) -> None:
    cart_recovery["steps"]["offer-10"]["next"] = "offer"
    errors = _errors(cart_recovery)
    assert any("has no 'wait' or 'wait_for'" in message for message in errors.values())


def test_a_loop_through_a_wait_is_fine(cart_recovery: dict[str, Any]) -> None:
    cart_recovery["steps"]["offer-10"]["next"] = "wait-1h"
    validate_workflow(cart_recovery, lambda t: True)


def test_email_condition_must_name_an_email_step(cart_recovery: dict[str, Any]) -> None:
    cart_recovery["steps"]["offer"]["cases"][0]["when"] = {"email": "clicked", "opened": True}
    assert _errors(cart_recovery) == {
        "/steps/offer/cases/0/when/email": "'clicked' is not an email step of this workflow"
    }


def test_unknown_step_type_names_the_types_there_are(cart_recovery: dict[str, Any]) -> None:
    cart_recovery["steps"]["done"] = {"type": "finish"}
    assert "unknown step type 'finish'" in _errors(cart_recovery)["/steps/done"]


def test_trigger_needs_exactly_one_kind(cart_recovery: dict[str, Any]) -> None:
    cart_recovery["trigger"] = {"event": "cart_updated", "manual": True}
    assert "exactly one of" in _errors(cart_recovery)["/trigger"]


def test_months_are_refused_as_durations(cart_recovery: dict[str, Any]) -> None:
    cart_recovery["steps"]["wait-1h"]["for"] = "P1M"
    assert "no fixed length" in _errors(cart_recovery)["/steps/wait-1h/for"]


def test_not_a_json_object_is_refused() -> None:
    with pytest.raises(WorkflowInvalidError):
        validate_workflow(["not", "a", "workflow"], lambda t: True)


def test_a_task_title_that_is_not_a_valid_template_is_pointed_at(cart_recovery: dict[str, Any]) -> None:
    cart_recovery["steps"]["done"] = {"type": "task", "title": "Call {{ contact.first_name "}
    errors = _errors(cart_recovery)
    assert errors["/steps/done/title"].startswith("the title is not a valid template: line 1:")
