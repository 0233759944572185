"""Errors: those a running state machine raises (matched by Retry and Catch), and those the API returns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

# Error names the States language reserves (https://states-language.net/spec.html#appendix-a).
ALL = "States.ALL"
TASK_FAILED = "States.TaskFailed"
TIMEOUT = "States.Timeout"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
RUNTIME = "States.Runtime"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
LAMBDA_SERVICE_EXCEPTION = "Lambda.ServiceException"

# AWS: these are terminal: never retried, and States.ALL / States.TaskFailed don't match them. States.Runtime
# ends the execution whatever the catchers say; a catcher naming States.DataLimitExceeded itself catches it
# (docs/runtime-fidelity.md, "Limits the runtime enforces").
TERMINAL_ERRORS = frozenset({RUNTIME, DATA_LIMIT_EXCEEDED})
_TIMEOUTS = frozenset({TIMEOUT, HEARTBEAT_TIMEOUT})


class StatesError(Exception):
    """An error inside a running state machine: a name Retry/Catch match on, and a human-readable cause.

    An empty name stands for "no error name" (a Fail state without ``Error``, a SendTaskFailure without
    ``error``); only ``States.ALL`` and ``States.TaskFailed`` match it.
    """

    def __init__(self, name: str, cause: str | None = None) -> None:
        super().__init__(f"{name}: {cause}" if cause else name)
        self.name = name
        self.cause = cause

    @property
    def terminal(self) -> bool:
        return self.name in TERMINAL_ERRORS

    def as_output(self) -> dict[str, Any]:
        """The error output a catcher passes on (``{"Error": ..., "Cause": ...}``)."""
        output: dict[str, Any] = {"Error": self.name}
        if self.cause is not None:
            output["Cause"] = self.cause
        return output


def error_matches(error_equals: Sequence[str], name: str) -> bool:
    """Whether a retrier's or catcher's ``ErrorEquals`` covers an error name.

    ``States.ALL`` matches every catchable error; ``States.TaskFailed`` every one but the timeouts;
    ``States.Timeout`` also covers the heartbeat timeout, as AWS documents. ``States.Runtime`` matches
    nothing, and ``States.DataLimitExceeded`` only its own name.
    """
    if name == RUNTIME:
        return False
    if name == DATA_LIMIT_EXCEEDED:
        return DATA_LIMIT_EXCEEDED in error_equals
    for pattern in error_equals:
        if pattern in (name, ALL):
            return True
        if pattern == TASK_FAILED and name not in _TIMEOUTS:
            return True
        if pattern == TIMEOUT and name == HEARTBEAT_TIMEOUT:
            return True
    return False


class LambdaFunctionError(Exception):
    """Raised by a task invoker when the function itself failed (Lambda's ``FunctionError``)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message


class AccessDeniedError(Exception):
    """Raised by an ``authorize`` callback: the state machine's role may not do this action on this resource.

    ``message`` replaces the runtime's AWS-style "User: ... is not authorized to perform: ..." text.
    """

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "access denied")
        self.message = message


class LambdaServiceError(Exception):
    """Raised by a task invoker when the Lambda API itself refused the call (not the function failing):
    ``code`` is Lambda's error code (``ResourceNotFoundException``, ``TooManyRequestsException``...)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


class StepFunctionsApiError(Exception):
    """An error the Step Functions API returns; ``code`` is the wire ``__type``."""

    code: ClassVar[str] = "ValidationException"
    status: ClassVar[int] = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationException(StepFunctionsApiError):
    code = "ValidationException"


class ExecutionAlreadyExists(StepFunctionsApiError):
    code = "ExecutionAlreadyExists"


class ExecutionDoesNotExist(StepFunctionsApiError):
    code = "ExecutionDoesNotExist"


class InvalidArn(StepFunctionsApiError):
    code = "InvalidArn"


class InvalidDefinition(StepFunctionsApiError):
    code = "InvalidDefinition"


class InvalidExecutionInput(StepFunctionsApiError):
    code = "InvalidExecutionInput"


class InvalidName(StepFunctionsApiError):
    code = "InvalidName"


class InvalidOutput(StepFunctionsApiError):
    code = "InvalidOutput"


class InvalidToken(StepFunctionsApiError):
    code = "InvalidToken"


class StateMachineAlreadyExists(StepFunctionsApiError):
    code = "StateMachineAlreadyExists"


class StateMachineDoesNotExist(StepFunctionsApiError):
    code = "StateMachineDoesNotExist"


class ConflictException(StepFunctionsApiError):
    code = "ConflictException"


class ResourceNotFound(StepFunctionsApiError):
    code = "ResourceNotFound"


class ServiceQuotaExceededException(StepFunctionsApiError):
    """A quota would be exceeded (1,000 published versions per state machine); the API reference
    gives it HTTP status 402."""

    code = "ServiceQuotaExceededException"
    status = 402


class StateMachineTypeNotSupported(StepFunctionsApiError):
    code = "StateMachineTypeNotSupported"


class TaskDoesNotExist(StepFunctionsApiError):
    code = "TaskDoesNotExist"


class TaskTimedOut(StepFunctionsApiError):
    code = "TaskTimedOut"


class UnknownOperation(StepFunctionsApiError):
    code = "UnknownOperationException"
