"""Retention and erasure in the stack: the events TTL, the retention setting, the admin's rights."""

from __future__ import annotations

from typing import Any

from infra.stack import NurtureFlowStack
from infra.stack.config import StackConfig
from infra.stack.settings_env import env_name
from nurtureflow.settings import RetentionSettings
from tests.infra.test_stack import _actions, _env, _flat, _logical_id, _resource_list, _role_id, _statements

Json = dict[str, Any]


def test_events_expire_through_the_expires_at_ttl(stack: NurtureFlowStack, template_json: Json) -> None:
    events = template_json["Resources"][_logical_id(stack.data.events)]["Properties"]
    assert events["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_every_function_that_records_events_knows_the_retention(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    variable = env_name(RetentionSettings, "event_retention_days")
    assert variable == "NURTUREFLOW_EVENT_RETENTION_DAYS"
    fns = stack.functions
    for function in (fns.track, fns.trigger, fns.step, fns.send, fns.admin):
        assert _env(template_json, function)[variable] == str(stack.config.event_retention_days)
    assert StackConfig(sender_domain="acme.internal").event_retention_days == 400


def test_the_admin_function_may_erase_contacts_and_stop_executions_only(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    statements = _statements(template_json, _role_id(template_json, stack.functions.admin))
    data = stack.data
    for table in (data.contacts, data.events, data.runs, data.sends):
        arn = f"<{_logical_id(table)}.Arn>"
        assert any(
            "dynamodb:DeleteItem" in _actions(s) and arn in {_flat(r) for r in _resource_list(s)}
            for s in statements
        ), table.node.id
    stop = [s for s in statements if "states:StopExecution" in _actions(s)]
    assert [_actions(s) for s in stop] == [["states:StopExecution"]]
    # Workflow runs (erasure) and broadcasts (cancel): executions, nothing else.
    assert sorted(_flat(r).rsplit(":execution:", 1)[1] for r in _resource_list(stop[0])) == [
        "NurtureFlowBroadcasts:*",
        "nurtureflow-*",
    ]
    ledger = f"<{_logical_id(data.ledger)}.Arn>"
    for statement in statements:
        if ledger in {_flat(r) for r in _resource_list(statement)}:
            assert "dynamodb:DeleteItem" not in _actions(statement), "cost lines are kept"
