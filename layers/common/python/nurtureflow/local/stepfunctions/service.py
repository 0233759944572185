"""The public API of the local Step Functions runtime, and the driver that runs due work.

Thread model: API methods (possibly called from other threads, e.g. by a Lambda handler running inside a task)
only change state and queue work under a short lock. One driver at a time (``run_due`` / ``advance``) pops due
timers and runs them; it calls the task invoker and the status listeners without holding the lock.
"""

from __future__ import annotations

import json
import random as _random
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from nurtureflow.clock import Clock, VirtualClock

from .aliases import Alias, parse_routes
from .authorization import Authorize
from .definition import parse_definition
from .driver import Driver, StatusListener, TaskInvoker
from .engine import Engine, StateEnteredListener
from .errors import (
    ConflictException,
    ExecutionAlreadyExists,
    ExecutionDoesNotExist,
    InvalidExecutionInput,
    InvalidOutput,
    InvalidToken,
    StatesError,
    TaskDoesNotExist,
    TaskTimedOut,
    ValidationException,
)
from .execution import Execution, ExecutionStatus
from .history import History
from .jsoncopy import with_shared_keys
from .limits import MAX_PAYLOAD_BYTES, text_too_large
from .machines import StateMachineRegistry, check_name, parse_execution_arn, parse_state_machine_arn
from .pagination import paginate
from .tokens import TaskAnswer, TaskToken

__all__ = ["LocalStepFunctions", "StateEnteredListener", "StatusListener", "TaskInvoker"]


class LocalStepFunctions:
    """AWS Step Functions (Standard workflows, JSONPath) in-process, on a virtual clock.

    ``invoke(function_name, payload)`` runs a Lambda handler and returns its result, or raises
    LambdaFunctionError for a function error. ``on_status_change`` is called with the detail of an
    EventBridge "Step Functions Execution Status Change" event whenever an execution ends.

    Two options for simulators, which run many executions and watch them in-process:

    - ``history=False``: executions keep no event history (GetExecutionHistory returns no events, as for
      an AWS Express workflow); transitions are still counted, and the history-size limit still applies.
    - ``on_state_entered(execution, state_name)`` is called each time any state (in branches and
      iterations too) is entered, under the service lock: it must be quick, must not raise and must not
      call this API.

    ``authorize(role_arn, action, resource_arn)``, if given, is asked before every call the runtime makes as
    the state machine's role (``lambda:InvokeFunction``, ``states:StartExecution``) and raises
    AccessDeniedError to refuse it; the task then fails as AWS fails it. Called under the service lock:
    it must be quick and must not call this API.
    """

    def __init__(
        self,
        invoke: TaskInvoker,
        *,
        clock: Clock | None = None,
        region: str = "us-east-1",
        account_id: str = "000000000000",
        on_status_change: StatusListener | None = None,
        random: Callable[[], float] | None = None,
        history: bool = True,
        on_state_entered: StateEnteredListener | None = None,
        authorize: Authorize | None = None,
    ) -> None:
        self.region = region
        self.account_id = account_id
        self._clock: Clock = clock if clock is not None else VirtualClock()
        self._listeners: list[StatusListener] = [on_status_change] if on_status_change else []
        self._lock = threading.Lock()
        # Not for security: jitter for retry delays, injectable so tests can pin it.
        draw = random or _random.Random().random  # noqa: S311
        self._executions: dict[str, Execution] = {}
        self._engine = Engine(
            self._clock,
            region=region,
            random=draw,
            on_state_entered=on_state_entered,
            register=self._register,
            starter=self._start,
            authorize=authorize,
        )
        self._keep_history = history
        self._machines = StateMachineRegistry(region, account_id, draw)
        self._driver = Driver(self._engine, self._lock, self._clock, invoke, self._listeners)

    @property
    def clock(self) -> Clock:
        return self._clock

    def add_status_listener(self, listener: StatusListener) -> None:
        with self._lock:
            self._listeners.append(listener)

    # -- state machines ----------------------------------------------------------------------------

    def create_state_machine(
        self,
        name: str,
        definition: str,
        role_arn: str,
        type: str = "STANDARD",
        publish: bool = False,
        version_description: str | None = None,
    ) -> dict[str, Any]:
        """CreateStateMachine: ``{"stateMachineArn", "creationDate"[, "stateMachineVersionArn"]}``."""
        with self._lock:
            now = self._clock.now()
            machine, _created = self._machines.create(name, definition, role_arn, type, now)
            response: dict[str, Any] = {"stateMachineArn": machine.arn, "creationDate": machine.creation_date}
            if publish:
                response["stateMachineVersionArn"] = machine.publish(now, version_description).arn
            return response

    def update_state_machine(
        self,
        state_machine_arn: str,
        definition: str | None = None,
        role_arn: str | None = None,
        publish: bool = False,
        version_description: str | None = None,
    ) -> dict[str, Any]:
        """UpdateStateMachine; running executions keep the definition they started with."""
        if definition is None and role_arn is None and not publish:
            raise ValidationException("Either the definition or the roleArn must be specified")
        parsed = parse_definition(definition) if definition is not None else None
        with self._lock:
            machine, version = self._machines.resolve(state_machine_arn)
            if version is not None:
                raise ValidationException("UpdateStateMachine takes an unqualified state machine ARN")
            now = self._clock.now()
            if publish:  # refused before anything changes: a refused update leaves the machine as it was
                changes = (parsed is not None and parsed.text != machine.definition.text) or (
                    role_arn is not None and role_arn != machine.role_arn
                )
                machine.check_can_publish(new_revision=changes)
            if parsed is not None and parsed.text != machine.definition.text:
                machine.definition, machine.revision_id = parsed, str(uuid.uuid4())
            if role_arn is not None and role_arn != machine.role_arn:
                machine.role_arn, machine.revision_id = role_arn, str(uuid.uuid4())
            response: dict[str, Any] = {"updateDate": now, "revisionId": machine.revision_id}
            if publish:
                response["stateMachineVersionArn"] = machine.publish(now, version_description).arn
            return response

    def publish_state_machine_version(
        self, state_machine_arn: str, description: str | None = None
    ) -> dict[str, Any]:
        """PublishStateMachineVersion: ``{"creationDate", "stateMachineVersionArn"}``."""
        with self._lock:
            machine, _version = self._machines.resolve(state_machine_arn)
            version = machine.publish(self._clock.now(), description)
            return {"creationDate": version.creation_date, "stateMachineVersionArn": version.arn}

    def delete_state_machine_version(self, state_machine_version_arn: str) -> dict[str, Any]:
        """DeleteStateMachineVersion: the version can no longer start executions, while those running
        on it go on to their end; ConflictException while an alias routes to it. A version that is not
        there (deleted already) answers success: the API reference lists no not-found error for it.

        https://docs.aws.amazon.com/step-functions/latest/apireference/API_DeleteStateMachineVersion.html
        """
        name, number = parse_state_machine_arn(state_machine_version_arn)
        if not isinstance(number, int):
            raise ValidationException(
                f"DeleteStateMachineVersion takes a state machine version ARN: '{state_machine_version_arn}'"
            )
        with self._lock:
            machine = self._machines.get(name)
            if machine is not None and state_machine_version_arn == f"{machine.arn}:{number}":
                machine.delete_version(number)
            return {}

    def create_state_machine_alias(
        self, name: str, routing_configuration: list[dict[str, Any]], description: str | None = None
    ) -> dict[str, Any]:
        """CreateStateMachineAlias: ``{"stateMachineAliasArn", "creationDate"}``."""
        check_name(name, "alias")
        with self._lock:
            first = routing_configuration[0].get("stateMachineVersionArn") if routing_configuration else None
            machine, _version = self._machines.resolve(first)
            routes = parse_routes(routing_configuration, machine.arn, set(machine.versions))
            if name in machine.aliases:
                raise ConflictException(f"Alias already exists: '{machine.aliases[name].arn}'")
            now = self._clock.now()
            alias = Alias(name, f"{machine.arn}:{name}", routes, machine.arn, now, now, description)
            machine.aliases[name] = alias
            return {"stateMachineAliasArn": alias.arn, "creationDate": now}

    def update_state_machine_alias(
        self,
        alias_arn: str,
        routing_configuration: list[dict[str, Any]] | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        """UpdateStateMachineAlias: new executions on the alias go to the new routes."""
        with self._lock:
            machine, alias = self._machines.alias(alias_arn)
            if routing_configuration is not None:
                alias.routes = parse_routes(routing_configuration, machine.arn, set(machine.versions))
            if description is not None:
                alias.description = description
            alias.update_date = self._clock.now()
            return {"updateDate": alias.update_date}

    def describe_state_machine_alias(self, alias_arn: str) -> dict[str, Any]:
        with self._lock:
            return self._machines.alias(alias_arn)[1].describe()

    def describe_state_machine(self, state_machine_arn: str) -> dict[str, Any]:
        with self._lock:
            machine, version = self._machines.resolve(state_machine_arn)
            return machine.describe(version)

    def list_state_machines(
        self, max_results: int | None = None, next_token: str | None = None
    ) -> dict[str, Any]:
        with self._lock:
            summaries = [machine.summary() for machine in self._machines.all()]
        page, token = paginate(summaries, max_results, next_token)
        return _with_token({"stateMachines": page}, token)

    def list_state_machine_versions(
        self, state_machine_arn: str, max_results: int | None = None, next_token: str | None = None
    ) -> dict[str, Any]:
        with self._lock:
            machine, _version = self._machines.resolve(state_machine_arn)
            versions = [
                {"stateMachineVersionArn": version.arn, "creationDate": version.creation_date}
                for _number, version in sorted(machine.versions.items(), reverse=True)
            ]
        page, token = paginate(versions, max_results, next_token)
        return _with_token({"stateMachineVersions": page}, token)

    def delete_state_machine(self, state_machine_arn: str) -> dict[str, Any]:
        """DeleteStateMachine: removes the machine and its versions, and stops its running executions."""
        with self._lock:
            machine = self._machines.delete(state_machine_arn)
            if machine is not None:
                for execution in self._executions.values():
                    if execution.running and execution.state_machine_arn == machine.arn:
                        self._engine.stop(execution, None, "The state machine was deleted")
            return {}

    # -- executions --------------------------------------------------------------------------------

    def start_execution(
        self,
        state_machine_arn: str,
        name: str | None = None,
        input: str = "{}",
    ) -> dict[str, Any]:
        """StartExecution: ``{"executionArn", "startDate"}``; the first state runs on the next drive.

        Same name and input as a RUNNING execution returns that execution (AWS's idempotent start);
        otherwise a name already used on this state machine raises ExecutionAlreadyExists.
        """
        with self._lock:
            execution = self._start(state_machine_arn, name, input)
            return {"executionArn": execution.arn, "startDate": execution.start_date}

    def _start(self, state_machine_arn: str, name: str | None, input: str) -> Execution:
        """StartExecution under the lock (the API's, or a ``states:startExecution`` task's)."""
        name = check_name(name if name is not None else str(uuid.uuid4()), "execution")
        if text_too_large(input):
            raise ValidationException(_too_long("input"))
        try:
            value = with_shared_keys(json.loads(input))
        except (TypeError, ValueError) as error:
            raise InvalidExecutionInput(f"Invalid State Machine Execution Input: '{error}'") from None
        machine, version = self._machines.resolve(state_machine_arn)
        arn = self._machines.execution_arn(machine.name, name)
        existing = self._executions.get(arn)
        if existing is not None:
            if existing.running and existing.input_text == input:
                return existing
            raise ExecutionAlreadyExists(f"Execution Already Exists: '{arn}'")
        source = version or machine
        execution = Execution(
            arn=arn,
            name=name,
            state_machine_arn=machine.arn,
            version_arn=version.arn if version else None,
            definition=source.definition,
            role_arn=source.role_arn,
            input_text=input,
            input=value,
            start_date=self._clock.now(),
            history=History(keep=self._keep_history),
        )
        self._executions[arn] = execution
        self._engine.start(execution)
        return execution

    def _register(self, execution: Execution) -> None:
        """A Distributed Map's child execution: DescribeExecution and its history find it."""
        self._executions[execution.arn] = execution

    def describe_execution(self, execution_arn: str) -> dict[str, Any]:
        """DescribeExecution, plus ``nurtureflowTransitions`` (state transitions as AWS bills them)."""
        with self._lock:
            return self._execution(execution_arn).describe()

    def get_execution(self, execution_arn: str) -> Execution:
        """The execution record itself (read, don't change): ``.transitions``, ``.history``, ``.status``,
        and ``.root.state_name``, the state the execution is in (or ended in)."""
        with self._lock:
            return self._execution(execution_arn)

    def list_executions(
        self,
        state_machine_arn: str | None,
        status_filter: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
        map_run_arn: str | None = None,
    ) -> dict[str, Any]:
        """ListExecutions, newest first; a version ARN lists that version's executions, a map run ARN
        (instead of the machine's) the child executions of that Distributed Map run."""
        if status_filter is not None and status_filter not in ExecutionStatus.__members__:
            raise ValidationException(f"Invalid statusFilter: {status_filter}")
        if (state_machine_arn is None) == (map_run_arn is None):
            raise ValidationException("Exactly one of stateMachineArn and mapRunArn is required")
        with self._lock:
            machine, version = (
                (None, None) if state_machine_arn is None else self._machines.resolve(state_machine_arn)
            )
            summaries = [
                execution.summary()
                for execution in sorted(self._executions.values(), key=lambda e: e.start_date, reverse=True)
                if execution.map_run_arn == map_run_arn
                and (machine is None or execution.state_machine_arn == machine.arn)
                and (version is None or execution.version_arn == version.arn)
                and (status_filter is None or execution.status == status_filter)
            ]
        page, token = paginate(summaries, max_results, next_token)
        return _with_token({"executions": page}, token)

    def stop_execution(
        self, execution_arn: str, error: str | None = None, cause: str | None = None
    ) -> dict[str, Any]:
        """StopExecution: ABORTED at once; the status listeners hear of it on the next drive."""
        with self._lock:
            execution = self._execution(execution_arn)
            if execution.running:
                self._engine.stop(execution, error, cause)
            return {"stopDate": execution.stop_date}

    def get_execution_history(
        self,
        execution_arn: str,
        reverse_order: bool = False,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        """GetExecutionHistory: ``{"events": [...], "nextToken"?}``; no ``max_results`` means every event."""
        with self._lock:
            events = list(self._execution(execution_arn).history.events)
        if reverse_order:
            events.reverse()
        page, token = paginate(events, max_results, next_token)
        return _with_token({"events": page}, token)  # built afresh from the record: callers may change it

    # -- task callbacks ----------------------------------------------------------------------------

    def send_task_success(self, task_token: str, output: str) -> dict[str, Any]:
        if isinstance(output, str) and text_too_large(output):
            raise ValidationException(_too_long("output"))
        try:
            value = json.loads(output)
        except (TypeError, ValueError) as error:
            raise InvalidOutput(f"Invalid Output: '{error}'") from None
        with self._lock:
            self._engine.answer(self._open_token(task_token), TaskAnswer(output=value))
        return {}

    def send_task_failure(
        self, task_token: str, error: str | None = None, cause: str | None = None
    ) -> dict[str, Any]:
        with self._lock:
            self._engine.answer(
                self._open_token(task_token), TaskAnswer(error=StatesError(error or "", cause))
            )
        return {}

    def send_task_heartbeat(self, task_token: str) -> dict[str, Any]:
        with self._lock:
            self._engine.heartbeat(self._open_token(task_token))
        return {}

    # -- driving -----------------------------------------------------------------------------------

    def next_due(self) -> datetime | None:
        """When the earliest queued timer is due (None if nothing is queued)."""
        with self._lock:
            return self._engine.timers.next_due()

    def run_due(self) -> int:
        """Run everything due at or before ``clock.now()`` until nothing more is; return how many timers ran.

        Returns 0 at once if another thread is driving (that driver picks up the new work before it stops),
        or if called from inside a task this driver is running.
        """
        return self._driver.run_due()

    def advance(self, delta: timedelta) -> int:
        """Move the virtual clock forward by ``delta``, stopping at each timer's due time to run what is due,
        so that events happen in the order of their virtual times; return how many timers ran."""
        return self._driver.advance(delta)

    # -- helpers -----------------------------------------------------------------------------------

    def _execution(self, execution_arn: str) -> Execution:
        parse_execution_arn(execution_arn)
        execution = self._executions.get(execution_arn)
        if execution is None:
            raise ExecutionDoesNotExist(f"Execution Does Not Exist: '{execution_arn}'")
        return execution

    def state_machine_of_token(self, value: str) -> str | None:
        """The state machine whose task ``value`` belongs to (IAM authorises SendTask* on it)."""
        # Read without the lock: the caller may be a task the driver is running (a dict lookup).
        try:
            return self._engine.tokens.find(value).run.execution.state_machine_arn
        except (InvalidToken, TaskDoesNotExist):
            return None

    def _open_token(self, value: str) -> TaskToken:
        token = self._engine.tokens.find(value)
        if not token.open:
            raise TaskTimedOut("Task Timed Out: 'Provided task does not exist anymore'")
        return token


def _too_long(member: str) -> str:
    """The API's words for a payload member over its 262,144-byte length constraint."""
    return (
        f"1 validation error detected: Value at '{member}' failed to satisfy constraint: "
        f"Member must have length less than or equal to {MAX_PAYLOAD_BYTES}"
    )


def _with_token(response: dict[str, Any], token: str | None) -> dict[str, Any]:
    if token is not None:
        response["nextToken"] = token
    return response
