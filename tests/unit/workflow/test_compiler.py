"""Compilation to Amazon States Language: the shapes, the transitions, determinism, and asl-validator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nurtureflow.settings import WebhookConnection
from nurtureflow.workflow.compiler import LAMBDA_CALLBACK, LAMBDA_INVOKE, TaskFunctions, compile_workflow
from nurtureflow.workflow.validate import validate_workflow
from tests.support.asl import asl_problems

ROOT = Path(__file__).resolve().parents[3]
FUNCTIONS = TaskFunctions(
    step_arn="arn:aws:lambda:us-east-1:123456789012:function:nurtureflow-step",
    send_arn="arn:aws:lambda:us-east-1:123456789012:function:nurtureflow-send",
    # the local deployment's webhook connection, which the catalog's lead-to-crm calls
    connections={
        "crm": WebhookConnection(
            arn="arn:aws:events:us-east-1:123456789012:connection/crm/x",
            base_url="https://crm.shop.internal/",
        )
    },
)


def _compile(document: dict[str, Any]) -> dict[str, Any]:
    return compile_workflow(validate_workflow(document, lambda t: True), 1, FUNCTIONS)


def assert_valid_asl(definitions: list[dict[str, Any]]) -> None:
    """Every definition passes the npm ``asl-validator``."""
    assert asl_problems(definitions) == ""


@pytest.fixture(scope="module")
def generated_definitions() -> Iterator[list[dict[str, Any]]]:
    """Collects what the property test compiles; all of it must pass asl-validator too."""
    collected: list[dict[str, Any]] = []
    yield collected
    assert collected, "the property test compiled nothing"
    assert_valid_asl(collected)


def test_cart_recovery_compiles_to_waits_choices_and_lambda_tasks(cart_recovery: dict[str, Any]) -> None:
    asl = _compile(cart_recovery)
    states = asl["States"]
    assert asl["StartAt"] == "wait-1h"
    assert states["wait-1h"] == {"Type": "Wait", "Seconds": 3600, "Next": "reminder"}
    assert states["reminder"]["Resource"] == LAMBDA_INVOKE
    assert states["reminder"]["Parameters"]["FunctionName"] == FUNCTIONS.send_arn
    assert states["clicked"]["Resource"] == LAMBDA_CALLBACK
    assert states["clicked"]["TimeoutSeconds"] == 86400
    assert states["clicked"]["Parameters"]["Payload"]["token.$"] == "$$.Task.Token"
    outcome = states["clicked.outcome"]
    assert outcome["Type"] == "Choice"
    assert outcome["Choices"][0]["Next"] == "offer"
    assert outcome["Default"] == "done"
    assert states["offer.route"]["Type"] == "Choice"
    assert states["offer.route"]["Default"] == "offer-5"
    assert states["done"] == {"Type": "Succeed"}


def test_lambda_tasks_retry_transient_errors_with_backoff_and_jitter(cart_recovery: dict[str, Any]) -> None:
    retry = _compile(cart_recovery)["States"]["reminder"]["Retry"][0]
    assert "Lambda.TooManyRequestsException" in retry["ErrorEquals"]
    assert retry["BackoffRate"] > 1
    assert retry["JitterStrategy"] == "FULL"


def test_wait_for_timeout_routes_to_on_timeout_and_other_errors_to_the_failure_path(
    cart_recovery: dict[str, Any],
) -> None:
    clicked = _compile(cart_recovery)["States"]["clicked"]
    assert clicked["Catch"] == [
        {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.waited", "Next": "clicked.outcome"},
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "run.failed"},
    ]


def test_every_task_ends_in_the_failure_path_that_records_it(cart_recovery: dict[str, Any]) -> None:
    states = _compile(cart_recovery)["States"]
    failed = states["run.failed"]
    assert failed["Parameters"]["Payload"]["action"] == "fail"
    assert failed["End"] is True
    for name, state in states.items():
        if state["Type"] == "Task" and name != "run.failed":
            assert {"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "run.failed"} in state[
                "Catch"
            ]


def test_same_document_gives_the_same_definition(cart_recovery: dict[str, Any]) -> None:
    assert json.dumps(_compile(cart_recovery)) == json.dumps(_compile(cart_recovery))


def test_contract_example_and_samples_pass_asl_validator(cart_recovery: dict[str, Any]) -> None:
    samples = [json.loads(p.read_text()) for p in sorted((ROOT / "catalog").glob("*/workflow.json"))]
    assert len(samples) == 10
    assert_valid_asl([_compile(cart_recovery)] + [_compile(s) for s in samples])


def _linear_workflow(kinds: list[str]) -> dict[str, Any]:
    """A chain of steps of the given kinds, ending in exit."""
    steps: dict[str, Any] = {}
    ids = [f"s{i}" for i in range(len(kinds))] + ["end-step"]
    for i, kind in enumerate(kinds):
        nxt = ids[i + 1]
        steps[ids[i]] = {
            "wait": {"type": "wait", "for": f"PT{i + 1}M", "next": nxt},
            "email": {"type": "email", "template": "t", "next": nxt},
            "update": {"type": "update", "score": i, "next": nxt},
            "wait_for": {
                "type": "wait_for",
                "event": "email_opened",
                "timeout": "P1D",
                "next": nxt,
                "on_timeout": nxt,
            },
            "split": {"type": "split", "paths": [{"percent": 30, "next": nxt}, {"percent": 70, "next": nxt}]},
            "wait_for_or_end": {"type": "wait_for", "event": "email_clicked", "timeout": "PT6H", "next": nxt},
            "until_time": {"type": "wait", "until_time": {"time": "09:30", "days": ["mon"]}, "next": nxt},
            "best_time": {"type": "wait", "best_time": {"within": "P1D"}, "next": nxt},
            "branch": {
                "type": "branch",
                "cases": [{"when": {"field": "contact.score", "op": "gt", "value": i}, "next": nxt}],
                "default": nxt,
            },
        }[kind]
    steps["end-step"] = {"type": "exit"}
    return {
        "schema": "workflow/v1",
        "id": "generated",
        "name": "Generated",
        "trigger": {"manual": True},
        "start": ids[0],
        "steps": steps,
    }


SIMPLE_KINDS = ["wait", "email", "update"]
PAIRED_KINDS = [
    "wait_for",
    "wait_for_or_end",
    "branch",
    "split",
    "until_time",
    "best_time",
]  # two states each
STEP_KINDS = st.sampled_from(SIMPLE_KINDS + PAIRED_KINDS)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(STEP_KINDS, min_size=1, max_size=8))
def test_generated_workflows_compile_with_one_state_per_simple_step(
    kinds: list[str], generated_definitions: list[dict[str, Any]]
) -> None:
    definition = _compile(_linear_workflow(kinds))
    generated_definitions.append(definition)
    states = definition["States"]
    paired = sum(kinds.count(kind) for kind in PAIRED_KINDS)
    ends = "end" in states  # the shared Succeed state, when a timeout without on_timeout ends the run
    failure_path = "run.failed" in states  # present whenever there is a task to fail
    assert failure_path == any(kind != "wait" for kind in kinds)
    assert len(states) == len(kinds) + paired + 1 + ends + failure_path
    assert ends == ("wait_for_or_end" in kinds)
    for state in states.values():
        for target in [state.get("Next"), state.get("Default")] + [
            c["Next"] for c in state.get("Choices", [])
        ]:
            assert target is None or target in states


@pytest.mark.parametrize("seed", [0])
def test_generated_workflows_pass_asl_validator(seed: int) -> None:
    mixes = [["wait", "email", "wait_for", "branch", "update"], ["email"], ["branch", "split", "until_time"]]
    assert_valid_asl([_compile(_linear_workflow(kinds)) for kinds in mixes])


def test_the_daily_cap_and_sender_travel_with_each_email_task(cart_recovery: dict[str, Any]) -> None:
    cart_recovery["settings"]["from"] = "Shop <deals@shop.example>"
    payload = _compile(cart_recovery)["States"]["reminder"]["Parameters"]["Payload"]
    assert payload["cap"] == {"per_day": 2, "timezone": "contact"}
    assert payload["from"] == "Shop <deals@shop.example>"
    del cart_recovery["settings"]
    assert "cap" not in _compile(cart_recovery)["States"]["reminder"]["Parameters"]["Payload"]


def test_split_and_timed_waits_compile_to_a_task_and_a_routing_or_waiting_state() -> None:
    states = _compile(_linear_workflow(["split", "until_time"]))["States"]
    assert states["s0"]["Parameters"]["Payload"]["action"] == "split"
    assert states["s0.route"]["Type"] == "Choice"
    assert states["s1"]["Parameters"]["Payload"]["wait"] == {"until_time": {"time": "09:30", "days": ["mon"]}}
    assert states["s1"]["Next"] == "s1.timer"
    assert states["s1.timer"] == {"Type": "Wait", "TimestampPath": "$.wait.until", "Next": "end-step"}


def test_a_task_step_is_one_lambda_task_with_its_spec(cart_recovery: dict[str, Any]) -> None:
    cart_recovery["steps"]["done"] = {
        "type": "task",
        "title": "Call {{ contact.first_name }}",
        "due": "P1D",
        "assignee": "sales@shop.example",
    }
    state = _compile(cart_recovery)["States"]["done"]
    assert state["Parameters"]["Payload"]["action"] == "task"
    assert state["Parameters"]["Payload"]["task"] == {
        "title": "Call {{ contact.first_name }}",
        "due": "P1D",
        "assignee": "sales@shop.example",
    }
    assert state["End"] is True
    assert_valid_asl([_compile(cart_recovery)])


def test_a_date_triggered_run_first_waits_for_its_start_time(cart_recovery: dict[str, Any]) -> None:
    cart_recovery["trigger"] = {
        "date": {"field": "contact.properties.birthday", "every": "year", "at": "09:00"}
    }
    definition = _compile(cart_recovery)
    assert definition["StartAt"] == "trigger.at"
    assert definition["States"]["trigger.at"] == {
        "Type": "Wait",
        "TimestampPath": "$.run.start_at",
        "Next": "wait-1h",
    }
    assert_valid_asl([definition])


def test_a_wait_for_without_on_timeout_ends_the_run_on_timeout(cart_recovery: dict[str, Any]) -> None:
    del cart_recovery["steps"]["clicked"]["on_timeout"]
    cart_recovery["steps"]["clicked"]["next"] = "offer"
    cart_recovery["steps"]["offer-10"]["next"] = "done"
    definition = _compile(cart_recovery)
    assert definition["States"]["clicked.outcome"]["Choices"][0]["Next"] == "end"
    assert definition["States"]["end"] == {"Type": "Succeed", "Comment": "the last step had no next"}
    assert_valid_asl([definition])


def test_quiet_hours_add_a_check_and_a_wait_that_comes_back_to_the_email(
    cart_recovery: dict[str, Any],
) -> None:
    states = _compile(cart_recovery)["States"]
    assert states["reminder"]["Next"] == "reminder.quiet"
    assert states["reminder.quiet"]["Choices"][0] == {
        "Variable": "$.sent.status",
        "StringEquals": "deferred",
        "Next": "reminder.later",
    }
    assert states["reminder.quiet"]["Default"] == "clicked"
    assert states["reminder.later"] == {"Type": "Wait", "TimestampPath": "$.sent.until", "Next": "reminder"}
    del cart_recovery["settings"]["quiet_hours"]
    assert _compile(cart_recovery)["States"]["reminder"]["Next"] == "clicked", "one transition without them"
