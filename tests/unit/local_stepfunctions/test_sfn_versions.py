"""Deleting versions and the 1,000-version quota, with AWS's semantics, also over boto3's wire.

AWS pages these follow:
https://docs.aws.amazon.com/step-functions/latest/apireference/API_DeleteStateMachineVersion.html
(runs in flight go on; a version an alias references cannot be deleted),
https://docs.aws.amazon.com/step-functions/latest/apireference/API_PublishStateMachineVersion.html
("You can publish up to 1000 versions for each state machine"),
https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html
(a version ARN lists that version's executions), and
https://docs.aws.amazon.com/step-functions/latest/dg/concepts-state-machine-version.html
(version numbers are never reused).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from nurtureflow.local.stepfunctions import (
    LocalStepFunctions,
    ServiceQuotaExceededException,
    StateMachineDoesNotExist,
    ValidationException,
)
from nurtureflow.local.stepfunctions.errors import ConflictException
from nurtureflow.local.stepfunctions.machines import MAX_VERSIONS

pytest_plugins = ["tests.unit.local_stepfunctions.test_sfn_wire"]
ROLE = "arn:aws:iam::000000000000:role/sfn"


def _machine(result: str, wait_seconds: int = 0) -> str:
    states: dict[str, Any] = {"Done": {"Type": "Pass", "Result": result, "End": True}}
    if wait_seconds:
        states["Hold"] = {"Type": "Wait", "Seconds": wait_seconds, "Next": "Done"}
    return json.dumps({"StartAt": "Hold" if wait_seconds else "Done", "States": states})


def _versions(sfn: LocalStepFunctions, machine_arn: str) -> list[str]:
    listed = sfn.list_state_machine_versions(machine_arn)["stateMachineVersions"]
    return [v["stateMachineVersionArn"] for v in listed]


def test_a_deleted_versions_running_execution_runs_to_its_end(sfn: LocalStepFunctions) -> None:
    created = sfn.create_state_machine("drip", _machine("v1", wait_seconds=3600), ROLE, publish=True)
    machine, v1 = created["stateMachineArn"], created["stateMachineVersionArn"]
    run = sfn.start_execution(v1, name="early")["executionArn"]
    sfn.run_due()
    sfn.update_state_machine(machine, definition=_machine("v2"), publish=True)

    assert sfn.delete_state_machine_version(v1) == {}

    assert _versions(sfn, machine) == [f"{machine}:2"]
    with pytest.raises(StateMachineDoesNotExist):
        sfn.start_execution(v1, name="late")
    sfn.advance(timedelta(hours=2))
    described = sfn.describe_execution(run)
    assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", "v1")


def test_a_version_an_alias_routes_to_cannot_be_deleted(sfn: LocalStepFunctions) -> None:
    created = sfn.create_state_machine("aliased", _machine("v1"), ROLE, publish=True)
    v1 = created["stateMachineVersionArn"]
    sfn.create_state_machine_alias("live", [{"stateMachineVersionArn": v1, "weight": 100}])

    with pytest.raises(ConflictException, match=r"referenced by an alias.*\[live\]"):
        sfn.delete_state_machine_version(v1)

    assert _versions(sfn, created["stateMachineArn"]) == [v1]


def test_deleting_a_missing_version_succeeds_and_an_unqualified_arn_is_refused(
    sfn: LocalStepFunctions,
) -> None:
    created = sfn.create_state_machine("gone", _machine("v1"), ROLE, publish=True)
    assert sfn.delete_state_machine_version(f"{created['stateMachineArn']}:7") == {}
    assert sfn.delete_state_machine_version(created["stateMachineVersionArn"]) == {}
    assert sfn.delete_state_machine_version(created["stateMachineVersionArn"]) == {}  # again: still fine
    with pytest.raises(ValidationException):
        sfn.delete_state_machine_version(created["stateMachineArn"])


def test_version_numbers_are_not_reused_after_the_newest_is_deleted(sfn: LocalStepFunctions) -> None:
    created = sfn.create_state_machine("numbers", _machine("v1"), ROLE, publish=True)
    machine = created["stateMachineArn"]
    v2 = sfn.update_state_machine(machine, definition=_machine("v2"), publish=True)["stateMachineVersionArn"]
    sfn.delete_state_machine_version(v2)
    v3 = sfn.update_state_machine(machine, definition=_machine("v3"), publish=True)["stateMachineVersionArn"]
    assert v3 == f"{machine}:3"


def test_list_executions_by_version_arn_lists_only_that_versions_runs(sfn: LocalStepFunctions) -> None:
    created = sfn.create_state_machine("listing", _machine("v1", wait_seconds=60), ROLE, publish=True)
    machine, v1 = created["stateMachineArn"], created["stateMachineVersionArn"]
    first = sfn.start_execution(v1, name="one")["executionArn"]
    v2 = sfn.update_state_machine(machine, definition=_machine("v2", 60), publish=True)[
        "stateMachineVersionArn"
    ]
    sfn.start_execution(v2, name="two")
    sfn.run_due()

    running = sfn.list_executions(v1, status_filter="RUNNING")["executions"]

    assert [e["executionArn"] for e in running] == [first]
    assert len(sfn.list_executions(machine, status_filter="RUNNING")["executions"]) == 2


def test_the_thousand_and_first_version_is_refused_until_one_is_deleted(sfn: LocalStepFunctions) -> None:
    created = sfn.create_state_machine("busy", _machine("0"), ROLE, publish=True)
    machine = created["stateMachineArn"]
    for number in range(1, MAX_VERSIONS):
        sfn.update_state_machine(machine, definition=_machine(str(number)), publish=True)
    assert len(_versions(sfn, machine)) == MAX_VERSIONS == 1000

    with pytest.raises(ServiceQuotaExceededException):
        sfn.update_state_machine(machine, definition=_machine("too many"), publish=True)
    # The refused update changed nothing: the current definition is still the last published one,
    # and publishing it again is idempotent, not a new version, so no quota is involved.
    assert json.loads(sfn.describe_state_machine(machine)["definition"]) == json.loads(_machine("999"))
    assert sfn.publish_state_machine_version(machine)["stateMachineVersionArn"] == f"{machine}:1000"
    sfn.update_state_machine(machine, definition=_machine("unpublished"))
    with pytest.raises(ServiceQuotaExceededException):
        sfn.publish_state_machine_version(machine)

    sfn.delete_state_machine_version(f"{machine}:1")
    again = sfn.update_state_machine(machine, definition=_machine("room again"), publish=True)
    assert again["stateMachineVersionArn"] == f"{machine}:1001"


def test_boto3_deletes_versions_and_reads_the_api_errors(client: Any) -> None:
    created = client.create_state_machine(name="wired", definition=_machine("v1"), roleArn=ROLE, publish=True)
    machine, v1 = created["stateMachineArn"], created["stateMachineVersionArn"]
    alias = client.create_state_machine_alias(
        name="live", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}]
    )["stateMachineAliasArn"]
    with pytest.raises(client.exceptions.ConflictException):
        client.delete_state_machine_version(stateMachineVersionArn=v1)
    v2 = client.update_state_machine(stateMachineArn=machine, definition=_machine("v2"), publish=True)[
        "stateMachineVersionArn"
    ]
    client.update_state_machine_alias(
        stateMachineAliasArn=alias, routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 100}]
    )

    client.delete_state_machine_version(stateMachineVersionArn=v1)

    listed = client.list_state_machine_versions(stateMachineArn=machine)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in listed] == [v2]
    with pytest.raises(client.exceptions.ValidationException):
        client.delete_state_machine_version(stateMachineVersionArn=machine)


def test_boto3_reads_the_quota_error(client: Any, sfn: LocalStepFunctions) -> None:
    created = sfn.create_state_machine("quota", _machine("0"), ROLE, publish=True)
    for number in range(1, MAX_VERSIONS):
        sfn.update_state_machine(created["stateMachineArn"], definition=_machine(str(number)), publish=True)
    with pytest.raises(client.exceptions.ServiceQuotaExceededException):
        client.update_state_machine(
            stateMachineArn=created["stateMachineArn"], definition=_machine("x"), publish=True
        )
