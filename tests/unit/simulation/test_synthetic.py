"""Synthetic contacts match the trigger; a run's horizon counts each wait at its longest."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from nurtureflow.conditions.evaluate import ConditionContext, evaluate
from nurtureflow.conditions.model import parse_condition
from nurtureflow.simulation import memory
from nurtureflow.simulation.synthetic import horizon, satisfying
from nurtureflow.store.contacts import ContactRepository
from nurtureflow.store.events import EventRepository
from nurtureflow.store.runs import RunRepository
from nurtureflow.store.scoring import ScoringRulesRepository
from nurtureflow.store.sends import SendRepository
from nurtureflow.store.templates import TemplateRepository
from nurtureflow.store.workflows import WorkflowRepository
from nurtureflow.workflow.models import Workflow

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "event.value", "op": "gte", "value": 20},
        {"field": "event.value", "op": "gt", "value": 20},
        {"field": "event.value", "op": "lt", "value": 5},
        {"field": "event.plan", "op": "ne", "value": "free"},
        {"field": "event.plan", "op": "in", "value": ["pro", "team"]},
        {"field": "event.plan", "op": "not_in", "value": ["free"]},
        {"field": "event.url", "op": "starts_with", "value": "/pricing"},
        {"field": "event.tags", "op": "contains", "value": "vip"},
        {"field": "event.coupon", "op": "exists", "value": True},
        {"field": "contact.properties.signed_up_at", "op": "within", "value": "P7D"},
        {
            "all": [
                {"field": "contact.lifecycle_stage", "op": "eq", "value": "lead"},
                {"field": "event.form", "op": "eq", "value": "demo"},
            ]
        },
        {
            "any": [
                {"field": "event.value", "op": "gte", "value": 100},
                {"field": "event.vip", "op": "eq", "value": True},
            ]
        },
    ],
)
def test_the_values_found_satisfy_the_condition(condition: dict[str, Any]) -> None:
    found = satisfying(condition, NOW)
    contact = {"lifecycle_stage": "subscriber", "properties": {}, **found["contact"]}
    contact["properties"] = {**contact["properties"], **found["contact"].get("properties", {})}
    assert evaluate(parse_condition(condition), ConditionContext(contact, found["event"], NOW))


def _workflow(steps: dict[str, Any], start: str = "a") -> Workflow:
    return Workflow.model_validate(
        {
            "schema": "workflow/v1",
            "id": "h",
            "name": "H",
            "trigger": {"event": "x"},
            "start": start,
            "steps": steps,
        }
    )


def test_the_horizon_is_the_longest_path_with_each_wait_at_its_longest() -> None:
    workflow = _workflow(
        {
            "a": {"type": "wait", "for": "P1D", "next": "b"},
            "b": {
                "type": "branch",
                "cases": [{"when": {"field": "contact.score", "op": "gt", "value": 1}, "next": "c"}],
                "default": "d",
            },
            "c": {"type": "wait_for", "event": "email_clicked", "timeout": "P3D", "next": "e"},
            "d": {"type": "wait", "until_time": {"time": "09:00", "days": ["tue", "thu"]}, "next": "e"},
            "e": {"type": "exit"},
        }
    )
    assert horizon(workflow, timedelta(days=30)) == timedelta(days=1 + 5)  # Thursday to Tuesday
    assert horizon(workflow, timedelta(days=2)) == timedelta(days=2)


def test_a_loop_reaches_the_limit() -> None:
    workflow = _workflow(
        {
            "a": {"type": "wait", "for": "P1D", "next": "b"},
            "b": {"type": "email", "template": "t", "next": "a"},
        }
    )
    assert horizon(workflow, timedelta(days=10)) == timedelta(days=10)


@pytest.mark.parametrize(
    ("real", "stand_in"),
    [
        (ContactRepository, memory.MemoryContacts),
        (RunRepository, memory.MemoryRuns),
        (EventRepository, memory.MemoryEvents),
        (SendRepository, memory.MemorySends),
        (TemplateRepository, memory.MemoryTemplates),
        (WorkflowRepository, memory.MemoryWorkflows),
        (ScoringRulesRepository, memory.MemoryScoringRules),
    ],
)
def test_each_stand_in_has_the_repositorys_methods_and_parameters(real: type, stand_in: type) -> None:
    for name, method in inspect.getmembers(real, inspect.isfunction):
        if name.startswith("_"):
            continue
        assert hasattr(stand_in, name), name
        assert list(inspect.signature(getattr(stand_in, name)).parameters) == list(
            inspect.signature(method).parameters
        ), name


def test_the_runs_stand_in_keeps_the_conditional_writes() -> None:
    runs = memory.MemoryRuns()
    run = {
        "contact_id": "c",
        "workflow": "w",
        "enrolment": "e1",
        "execution_arn": "x1",
        "waiting": {"token": "t"},
    }
    runs.claim(run, None)
    with pytest.raises(memory.RunClaimedError):
        runs.claim({**run, "enrolment": "e2"}, None)
    assert runs.update("c", "w", "other", {"status": "done"}) is False
    assert runs.clear_wait("c", "w", "t") is True
    assert runs.clear_wait("c", "w", "t") is False
    runs.claim({**run, "enrolment": "e2", "execution_arn": "x2"}, "e1")
    assert runs.get("c", "w")["enrolment"] == "e2"  # type: ignore[index]


def test_the_contacts_stand_in_pages_in_id_order_to_the_end() -> None:
    contacts = memory.MemoryContacts()
    for n in (3, 1, 2):
        contacts.upsert(f"p{n}@example.com", {}, {}, "2026-11-24T00:00:00+00:00")
    first, cursor = contacts.page(None, 2)
    rest, end = contacts.page(cursor, 2)
    assert [c.id for c in first + rest] == sorted(c.id for c in contacts.scan())
    assert end is None
