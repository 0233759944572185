"""Every AWS call a function's code makes is allowed by its role, and it knows each table's name.

``CALLS`` is the audit of issue 13: each handler followed through ``nurtureflow/wiring.py`` to the
repositories and adapters it builds, checked against a trace of every boto3 call the handlers made
while the integration suite ran (handlers against moto), plus what the trace cannot see: the step
function reads the scoring rules (``store/scoring.py``, an item of the workflows table) only when
its process has not cached them, which in the local stack, one process for every handler, it
always has. A TransactWriteItems is authorised item by item (PutItem, UpdateItem, DeleteItem):
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
"""

from __future__ import annotations

from typing import Any

import pytest

from infra.stack import NurtureFlowStack
from infra.stack.settings_env import env_name
from nurtureflow.settings import TableSettings
from tests.infra.test_stack import _actions, _env, _flat, _logical_id, _resource_list, _role_id, _statements

Json = dict[str, Any]
GET, QUERY, SCAN = "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"
PUT, UPDATE, DELETE, BATCH = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
)

# function -> table -> DynamoDB actions its code performs ("sends#index": on an index of sends).
CALLS: dict[str, dict[str, set[str]]] = {
    "trigger": {
        "contacts": {GET, SCAN, UPDATE},
        "runs": {GET, PUT, QUERY, UPDATE},
        "workflows": {GET, SCAN},
        "events": {QUERY, PUT},
        "sends": {GET},  # segment and history conditions
        "ledger": {PUT},
        "cost_rollups": {UPDATE},
        "stats": {PUT, UPDATE},
    },
    "step": {
        "contacts": {GET, UPDATE},
        "runs": {GET, UPDATE},  # GET: a webhook's answers, kept on the run for branches
        "events": {GET, QUERY, PUT},
        "sends": {GET},  # engagement conditions: which run sent the opened email
        "workflows": {GET},  # the scoring rules of an update step's score
        "stats": {PUT, UPDATE},  # a holdout counts each contact's group once
    },
    "send": {
        "contacts": {GET},
        "templates": {GET},
        "workflows": {GET},
        "sends": {GET, PUT, UPDATE, DELETE},
        "events": {QUERY, PUT},
        "ledger": {PUT},
        "cost_rollups": {QUERY, UPDATE},
        "stats": {PUT, UPDATE},
    },
    "track": {
        "contacts": {GET, UPDATE},
        "events": {GET, QUERY, PUT, UPDATE, DELETE},
        "sends": {GET, UPDATE},  # SendRepository.mark: the first open or click
        "ledger": {PUT},
        "cost_rollups": {UPDATE},
        "stats": {PUT, UPDATE},
        "rate_limits": {UPDATE},  # the publishable keys' fixed-window counters
    },
    "admin": {
        "contacts": {GET, DELETE},
        "events": {QUERY, DELETE, BATCH},
        "runs": {QUERY, DELETE},
        "sends": {GET, DELETE},
        "sends#index": {QUERY},
        "templates": {GET, PUT, DELETE},  # DELETE: a Pinpoint import undone when its upload fails
        "workflows": {GET, PUT, QUERY, UPDATE},
        "broadcasts": {GET, PUT, UPDATE, SCAN},  # SCAN: erasure looks for the address in segments
        "cost_rollups": {QUERY},
        "stats": {QUERY},
        "forecasts": {GET, PUT, UPDATE},  # a job: stored, read back, failed if it cannot start
    },
    "forecast": {
        "workflows": {GET},  # the job's version, and the scoring rules
        "templates": {GET},
        "forecasts": {GET, UPDATE},  # the job, its progress and its result
    },
    "broadcast": {
        "broadcasts": {GET, PUT, UPDATE},
        "contacts": {GET, SCAN},
        "templates": {GET},
        "workflows": {GET},
        "sends": {GET, PUT},
        "events": {PUT},
        "ledger": {PUT},
        "cost_rollups": {UPDATE},
        "stats": {PUT, UPDATE},
    },
}


def _allowed(template_json: Json, function: Any) -> set[tuple[str, str]]:
    return {
        (action, _flat(resource))
        for statement in _statements(template_json, _role_id(template_json, function))
        if statement["Effect"] == "Allow"
        for action in _actions(statement)
        for resource in _resource_list(statement)
    }


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_dynamodb_call_of_the_function_s_code_is_allowed_and_its_table_named(
    name: str, stack: NurtureFlowStack, template_json: Json
) -> None:
    function = getattr(stack.functions, name)
    allowed = _allowed(template_json, function)
    env = _env(template_json, function)
    missing = []
    for key, actions in CALLS[name].items():
        table = getattr(stack.data, key.removesuffix("#index"))
        arn = f"<{_logical_id(table)}.Arn>" + ("/index/*" if key.endswith("#index") else "")
        missing += [f"{action} on {key}" for action in sorted(actions) if (action, arn) not in allowed]
        setting = f"{key.removesuffix('#index')}_table"
        assert env.get(env_name(TableSettings, setting)) == {"Ref": _logical_id(table)}, setting
    assert missing == []


def test_the_step_function_reads_the_scoring_rules_but_cannot_change_workflows(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    """Issue 13: a scored update step read the workflows table without a grant or its name."""
    workflows = f"<{_logical_id(stack.data.workflows)}.Arn>"
    on_workflows = {a for a, r in _allowed(template_json, stack.functions.step) if r == workflows}
    assert GET in on_workflows
    assert not {PUT, UPDATE, DELETE, BATCH} & on_workflows
    assert _env(template_json, stack.functions.step)["NURTUREFLOW_WORKFLOWS_TABLE"] == {
        "Ref": _logical_id(stack.data.workflows)
    }


def test_functions_get_no_table_their_code_does_not_touch(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    """Least privilege the other way round: a function's table variables are exactly its CALLS."""
    for name, calls in CALLS.items():
        env = _env(template_json, getattr(stack.functions, name))
        named = {v for v in env if v.endswith("_TABLE") and v.startswith("NURTUREFLOW_")}
        expected = {env_name(TableSettings, f"{key.removesuffix('#index')}_table") for key in calls}
        assert named == expected, name


def test_other_aws_calls_of_the_code_are_allowed(stack: NurtureFlowStack, template_json: Json) -> None:
    """Step Functions, EventBridge and SES calls seen in the trace, by function."""
    fns = stack.functions
    expected = {
        fns.trigger: {"states:StartExecution", "states:StopExecution", "states:GetExecutionHistory",
                      "states:SendTaskSuccess"},
        fns.step: {"events:PutEvents", "states:SendTaskSuccess"},
        fns.track: {"events:PutEvents"},
        fns.send: {"ses:SendEmail", "ses:SendRawEmail"},
        fns.broadcast: {"ses:SendEmail", "ses:SendRawEmail"},
        fns.admin: {"events:PutEvents", "states:CreateStateMachine", "states:CreateStateMachineAlias",
                    "states:UpdateStateMachine", "states:UpdateStateMachineAlias", "states:ListExecutions",
                    "states:StartExecution", "states:StopExecution", "lambda:InvokeFunction"},
    }  # fmt: skip
    for function, actions in expected.items():
        granted = {a for a, _ in _allowed(template_json, function)}
        assert actions <= granted, f"{function.node.id}: {actions - granted}"


def test_the_admin_function_may_invoke_the_forecast_function_alone_and_that_one_sends_nothing(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    """A forecast job is the only function the admin function starts, unqualified (no version or
    alias of it); the forecast function reads and writes DynamoDB only: no email, no execution, no
    event."""
    fns = stack.functions
    invoked = {r for a, r in _allowed(template_json, fns.admin) if a == "lambda:InvokeFunction"}
    forecast = f"<{_logical_id(fns.forecast)}.Arn>"
    assert invoked == {forecast, f"{forecast}:$LATEST"}
    services = {a.split(":", 1)[0] for a, _ in _allowed(template_json, fns.forecast)}
    assert services == {"dynamodb", "logs", "xray"}
    assert _env(template_json, fns.admin)["NURTUREFLOW_FORECAST_FUNCTION_NAME"] == {
        "Ref": _logical_id(fns.forecast)
    }
