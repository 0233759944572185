"""Aliases: executions started on an alias run the version it routes to, also over boto3's wire."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from nurtureflow.local.stepfunctions import LocalStepFunctions

pytest_plugins = ["tests.unit.local_stepfunctions.test_sfn_wire"]
ROLE = "arn:aws:iam::000000000000:role/sfn"


def _machine(result: str) -> str:
    return json.dumps(
        {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "Result": result, "End": True}}}
    )


def test_an_alias_routes_new_executions_and_runs_keep_their_version(
    client: Any, sfn: LocalStepFunctions
) -> None:
    created = client.create_state_machine(name="drip", definition=_machine("v1"), roleArn=ROLE, publish=True)
    v1 = created["stateMachineVersionArn"]
    alias = client.create_state_machine_alias(
        name="live", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}]
    )["stateMachineAliasArn"]
    assert alias == f"{created['stateMachineArn']}:live"
    first = client.start_execution(stateMachineArn=alias, name="a")["executionArn"]
    v2 = client.update_state_machine(
        stateMachineArn=created["stateMachineArn"], definition=_machine("v2"), publish=True
    )["stateMachineVersionArn"]
    client.update_state_machine_alias(
        stateMachineAliasArn=alias, routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 100}]
    )
    second = client.start_execution(stateMachineArn=alias, name="b")["executionArn"]
    sfn.run_due()
    assert json.loads(client.describe_execution(executionArn=first)["output"]) == "v1"
    assert json.loads(client.describe_execution(executionArn=second)["output"]) == "v2"
    described = client.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert described["routingConfiguration"] == [{"stateMachineVersionArn": v2, "weight": 100}]


def test_alias_errors_are_the_api_errors(client: Any) -> None:
    created = client.create_state_machine(name="drip2", definition=_machine("v1"), roleArn=ROLE, publish=True)
    route = [{"stateMachineVersionArn": created["stateMachineVersionArn"], "weight": 90}]
    with pytest.raises(client.exceptions.ValidationException):
        client.create_state_machine_alias(name="live", routingConfiguration=route)
    with pytest.raises(client.exceptions.ResourceNotFound):
        client.describe_state_machine_alias(stateMachineAliasArn=f"{created['stateMachineArn']}:missing")


def test_two_routes_split_new_executions_by_weight(invoker: Any) -> None:
    # The shared fixture pins the draw; a traffic split needs a real (seeded) one. Not security.
    sfn = LocalStepFunctions(invoker, random=random.Random(7).random)  # noqa: S311
    machine = sfn.create_state_machine("split", _machine("a"), ROLE, publish=True)
    v2 = sfn.update_state_machine(machine["stateMachineArn"], definition=_machine("b"), publish=True)
    alias = sfn.create_state_machine_alias(
        "canary",
        [
            {"stateMachineVersionArn": machine["stateMachineVersionArn"], "weight": 80},
            {"stateMachineVersionArn": v2["stateMachineVersionArn"], "weight": 20},
        ],
    )["stateMachineAliasArn"]
    arns = [sfn.start_execution(alias, name=f"e{i}")["executionArn"] for i in range(200)]
    sfn.run_due()
    outputs = [json.loads(sfn.describe_execution(arn)["output"]) for arn in arns]
    assert 0.1 < outputs.count("b") / 200 < 0.3
