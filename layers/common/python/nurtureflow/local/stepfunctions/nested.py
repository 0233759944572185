"""Task states that start an execution: ``arn:aws:states:::states:startExecution`` (request-response).

The execution starts in this same runtime, by the service's own rules: a name used by a running
execution with the same input gives that execution back (AWS's idempotent start), any other reuse
fails the task with ``StepFunctions.ExecutionAlreadyExistsException``. The result is
``{"ExecutionArn", "StartDate"}``, the date in epoch milliseconds as the integration returns it.
``.sync`` and ``.waitForTaskToken`` are not run locally.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .authorization import START_EXECUTION as START_EXECUTION_ACTION
from .authorization import denial_message, sdk_cause
from .errors import RUNTIME, AccessDeniedError, StatesError, StepFunctionsApiError
from .history import NOT_TRUNCATED, LazyJson
from .paths import to_json
from .runs import Done, Outcome, Run, Runtime
from .timestamps import epoch_millis

START_EXECUTION = "arn:aws:states:::states:startExecution"
_SOURCE = {"resourceType": "states", "resource": "startExecution"}


def is_start_execution(resource: str) -> bool:
    return resource.startswith(START_EXECUTION)


def start_execution_task(runtime: Runtime, run: Run, state: Mapping[str, Any], data: Any) -> Outcome:
    """Start the execution at once (it runs on the next drive) and finish the task with its ARN."""
    if state["Resource"] != START_EXECUTION:
        raise StatesError(RUNTIME, f"The local runtime starts executions request-response only, not "
                                   f"'{state['Resource']}'")  # fmt: skip
    if not isinstance(data, dict) or not isinstance(data.get("StateMachineArn"), str):
        raise StatesError(RUNTIME, "states:startExecution needs Parameters with a StateMachineArn")
    scheduled = {**_SOURCE, "region": runtime.region, "parameters": LazyJson(data)}
    runtime.record(run, "TaskScheduled", scheduled)
    runtime.record(run, "TaskStarted", _SOURCE)
    given = data.get("Input", {})
    name = data.get("Name")
    target = data["StateMachineArn"]
    try:
        runtime.authorize(run, START_EXECUTION_ACTION, target)
    except AccessDeniedError as denied:
        # AccessDeniedException is not one of the Step Functions API's modelled errors: the SDK's base one.
        message = denial_message(run.execution.role_arn, START_EXECUTION_ACTION, target, denied)
        cause = sdk_cause(message, "AWSStepFunctions", 400, "AccessDeniedException")
        error = StatesError("StepFunctions.AWSStepFunctionsException", cause)
        runtime.record(run, "TaskFailed", {**_SOURCE, "error": error.name, "cause": error.cause})
        raise error from None
    try:
        execution = runtime.start_execution(
            data["StateMachineArn"],
            None if name is None else str(name),
            given if isinstance(given, str) else to_json(given),
        )
    except StepFunctionsApiError as refused:
        error = StatesError(f"StepFunctions.{_exception(refused.code)}", refused.message)
        runtime.record(run, "TaskFailed", {**_SOURCE, "error": error.name, "cause": error.cause})
        raise error from None
    output = {"ExecutionArn": execution.arn, "StartDate": epoch_millis(execution.start_date)}
    details = {**_SOURCE, "output": LazyJson(output), "outputDetails": NOT_TRUNCATED}
    runtime.record(run, "TaskSucceeded", details)
    return Done(output)


def _exception(code: str) -> str:
    """The SDK's exception name for an API error code (ExecutionAlreadyExists -> …Exception)."""
    return code if code.endswith("Exception") else f"{code}Exception"
