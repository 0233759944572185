"""Step Functions behind domain terms; AWS error codes become domain exceptions here, once."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from nurtureflow.aws.clients import client

_CLOSED_TOKEN = frozenset({"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"})


class AlreadyEnrolledError(Exception):
    """An execution with this enrolment name exists already (the enrolment happened)."""


class StateMachineNotFoundError(Exception):
    """No such state machine."""


def _code(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


LIVE_ALIAS = "live"


@dataclass(frozen=True)
class PublishedMachine:
    machine_arn: str
    version_arn: str
    alias_arn: str  # where new runs start: it always routes to the newest version


class StateMachines:
    """Creates a state machine per workflow and publishes a version per upload."""

    def publish(
        self, name: str, definition: dict[str, Any], role_arn: str, description: str, existing_arn: str | None
    ) -> PublishedMachine:
        """Publish the definition as a new version and point the ``live`` alias at it.

        The caller passes the ARN it recorded at the first upload, so no listing (and no
        account-wide ``ListStateMachines`` permission) is needed to find the machine again.
        New runs start on the alias; runs in flight keep the version they started on.
        """
        sfn = client("stepfunctions")
        body = json.dumps(definition, sort_keys=True)
        if existing_arn is None:
            created = sfn.create_state_machine(
                name=name,
                definition=body,
                roleArn=role_arn,
                type="STANDARD",
                publish=True,
                versionDescription=description[:256],
            )
            machine_arn, version_arn = str(created["stateMachineArn"]), str(created["stateMachineVersionArn"])
            route = [{"stateMachineVersionArn": version_arn, "weight": 100}]
            alias = sfn.create_state_machine_alias(name=LIVE_ALIAS, routingConfiguration=route)
            return PublishedMachine(machine_arn, version_arn, str(alias["stateMachineAliasArn"]))
        try:
            updated = sfn.update_state_machine(
                stateMachineArn=existing_arn,
                definition=body,
                roleArn=role_arn,
                publish=True,
                versionDescription=description[:256],
            )
        except ClientError as error:
            if _code(error) == "StateMachineDoesNotExist":
                raise StateMachineNotFoundError(existing_arn) from None
            raise
        version_arn = str(updated["stateMachineVersionArn"])
        alias_arn = f"{existing_arn}:{LIVE_ALIAS}"
        route = [{"stateMachineVersionArn": version_arn, "weight": 100}]
        sfn.update_state_machine_alias(stateMachineAliasArn=alias_arn, routingConfiguration=route)
        return PublishedMachine(existing_arn, version_arn, alias_arn)


class VersionInUseError(Exception):
    """Step Functions refused to delete a version: an alias routes to it, or another change to the
    state machine (a publish, a delete) is under way (``ConflictException``)."""


class StateMachineVersions:
    """Lists, inspects and deletes the published versions of a workflow's state machine."""

    def published(self, machine_arn: str) -> list[str]:
        """Every published version's ARN, newest first (as ListStateMachineVersions orders them)."""
        sfn, arns = client("stepfunctions"), []
        kwargs: dict[str, Any] = {"stateMachineArn": machine_arn, "maxResults": 1000}
        while True:  # boto3 has no paginator for this operation
            page = sfn.list_state_machine_versions(**kwargs)
            arns += [str(version["stateMachineVersionArn"]) for version in page["stateMachineVersions"]]
            if not page.get("nextToken"):
                return arns
            kwargs["nextToken"] = page["nextToken"]

    def running_on(self, version_arn: str) -> bool:
        """Whether any run started on this version (directly or through an alias) is still running.

        ListExecutions takes a version ARN and lists the executions associated with that version
        (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html).
        """
        page = client("stepfunctions").list_executions(
            stateMachineArn=version_arn, statusFilter="RUNNING", maxResults=1
        )
        return bool(page["executions"])

    def delete(self, version_arn: str) -> None:
        """Delete a version; its running executions go on (DeleteStateMachineVersion)."""
        try:
            client("stepfunctions").delete_state_machine_version(stateMachineVersionArn=version_arn)
        except ClientError as error:
            if _code(error) == "ConflictException":
                raise VersionInUseError(version_arn) from None
            raise


@dataclass
class RunSummary:
    transitions: int = 0
    lambdas: int = 0
    entered: list[str] = field(default_factory=list)  # state names, in the order entered


class Executions:
    """Starts, stops and resumes workflow runs."""

    def start(self, target_arn: str, name: str, run_input: dict[str, Any]) -> str:
        """Start a run, named by its enrolment so a redelivered event cannot start it twice."""
        try:
            started = client("stepfunctions").start_execution(
                stateMachineArn=target_arn, name=name, input=json.dumps(run_input, sort_keys=True)
            )
        except ClientError as error:
            if _code(error) == "ExecutionAlreadyExists":
                raise AlreadyEnrolledError(name) from None
            raise
        return str(started["executionArn"])

    def stop(self, execution_arn: str, cause: str) -> bool:
        """Stop a run; False when it had ended already."""
        try:
            client("stepfunctions").stop_execution(executionArn=execution_arn, cause=cause[:32000])
        except ClientError as error:
            if _code(error) in ("ExecutionDoesNotExist", "ValidationException"):
                return False
            raise
        return True

    def resume(self, token: str, output: dict[str, Any]) -> bool:
        """Hand the awaited event to a waiting run; False when the wait had closed (a late resume)."""
        try:
            client("stepfunctions").send_task_success(
                taskToken=token, output=json.dumps(output, sort_keys=True)
            )
        except ClientError as error:
            if _code(error) in _CLOSED_TOKEN:
                return False
            raise
        return True

    def transitions(self, execution_arn: str) -> tuple[int, int]:
        """(state transitions, Lambda task invocations) of a run, counted from its history."""
        summary = self.run_history(execution_arn)
        return summary.transitions, summary.lambdas

    def run_history(self, execution_arn: str) -> RunSummary:
        """What a run's history tells, read once: its transitions, Lambda tasks and states entered."""
        paginator = client("stepfunctions").get_paginator("get_execution_history")
        summary = RunSummary()
        for page in paginator.paginate(executionArn=execution_arn, includeExecutionData=False):
            for event in page["events"]:
                kind = str(event["type"])
                if kind.endswith("StateEntered"):
                    summary.transitions += 1
                    summary.entered.append(str(event.get("stateEnteredEventDetails", {}).get("name", "")))
                summary.lambdas += kind == "TaskScheduled"
        return summary

    def running(self, state_machine_arn: str) -> list[str]:
        """The running executions of a state machine, all its versions and aliases."""
        paginator = client("stepfunctions").get_paginator("list_executions")
        return [
            str(execution["executionArn"])
            for page in paginator.paginate(stateMachineArn=state_machine_arn, statusFilter="RUNNING")
            for execution in page["executions"]
        ]
