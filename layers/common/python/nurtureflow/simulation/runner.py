"""The local Step Functions runtime in-process, behind the interfaces enrolment and publishing use.

In AWS these are ``aws.stepfunctions.StateMachines`` and ``Executions`` over boto3; a simulation calls
the runtime directly, with no wire protocol in between, and answers the same way (an execution name
already used means "already enrolled"; a closed token or an ended run means False).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from nurtureflow.aws.stepfunctions import AlreadyEnrolledError, PublishedMachine, RunSummary
from nurtureflow.local.stepfunctions import (
    ExecutionAlreadyExists,
    ExecutionDoesNotExist,
    InvalidToken,
    LocalStepFunctions,
    TaskDoesNotExist,
    TaskTimedOut,
    ValidationException,
)

LIVE_ALIAS = "live"


class InProcessMachines:
    """``Publisher`` for ``WorkflowService``: a state machine, a version per upload and its live alias."""

    def __init__(self, runtime: LocalStepFunctions) -> None:
        self._runtime = runtime

    def publish(
        self, name: str, definition: dict[str, Any], role_arn: str, description: str, existing_arn: str | None
    ) -> PublishedMachine:
        text = json.dumps(definition)
        if existing_arn is None:
            created = self._runtime.create_state_machine(
                name, text, role_arn, publish=True, version_description=description
            )
            machine_arn, version_arn = created["stateMachineArn"], created["stateMachineVersionArn"]
            route = [{"stateMachineVersionArn": version_arn, "weight": 100}]
            alias_arn = self._runtime.create_state_machine_alias(LIVE_ALIAS, route)["stateMachineAliasArn"]
            return PublishedMachine(machine_arn, version_arn, alias_arn)
        updated = self._runtime.update_state_machine(
            existing_arn, definition=text, publish=True, version_description=description
        )
        version_arn = updated["stateMachineVersionArn"]
        alias_arn = f"{existing_arn}:{LIVE_ALIAS}"
        route = [{"stateMachineVersionArn": version_arn, "weight": 100}]
        self._runtime.update_state_machine_alias(alias_arn, routing_configuration=route)
        return PublishedMachine(existing_arn, version_arn, alias_arn)


class InProcessExecutions:
    """``Runner`` for the dispatcher and ``History`` for the run lifecycle, over the local runtime.

    ``before_stop`` sees each run a goal ends while it is still where the goal found it.
    """

    def __init__(self, runtime: LocalStepFunctions, before_stop: Callable[[str], None] | None = None) -> None:
        self._runtime = runtime
        self._before_stop = before_stop
        self.lambda_calls: dict[str, int] = {}
        self.started: list[str] = []

    def start(self, target_arn: str, name: str, run_input: dict[str, Any]) -> str:
        try:
            started = self._runtime.start_execution(target_arn, name=name, input=json.dumps(run_input))
        except ExecutionAlreadyExists:
            raise AlreadyEnrolledError(name) from None
        self.started.append(str(started["executionArn"]))
        return self.started[-1]

    def stop(self, execution_arn: str, cause: str) -> bool:
        try:
            if self._runtime.get_execution(execution_arn).running and self._before_stop is not None:
                self._before_stop(execution_arn)
            self._runtime.stop_execution(execution_arn, cause=cause)
        except (ExecutionDoesNotExist, ValidationException):
            return False
        return True

    def resume(self, token: str, output: dict[str, Any]) -> bool:
        try:
            self._runtime.send_task_success(token, json.dumps(output))
        except (TaskDoesNotExist, TaskTimedOut, InvalidToken):
            return False
        return True

    def transitions(self, execution_arn: str) -> tuple[int, int]:
        """(state transitions, Lambda task invocations) of a run, as the runtime counted them."""
        execution = self._runtime.get_execution(execution_arn)
        return execution.transitions, self.lambda_calls.get(execution_arn, 0)

    def run_history(self, execution_arn: str) -> RunSummary:
        """The run's costs for ``RunLifecycle``; the states entered are not kept (a forecast keeps no
        history, and counts its funnel itself)."""
        return RunSummary(*self.transitions(execution_arn))
