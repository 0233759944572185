"""A local AWS Step Functions: an Amazon States Language interpreter on a virtual clock.

Standard workflows with the JSONPath query language; Lambda tasks run in-process through a task invoker.
Waiting executions are data in a timer queue; ``run_due()`` and ``advance()`` run them.
"""

from .authorization import Authorize
from .errors import (
    AccessDeniedError,
    ExecutionAlreadyExists,
    ExecutionDoesNotExist,
    InvalidArn,
    InvalidDefinition,
    InvalidExecutionInput,
    InvalidName,
    InvalidOutput,
    InvalidToken,
    LambdaFunctionError,
    LambdaServiceError,
    ServiceQuotaExceededException,
    StateMachineAlreadyExists,
    StateMachineDoesNotExist,
    StatesError,
    StepFunctionsApiError,
    TaskDoesNotExist,
    TaskTimedOut,
    ValidationException,
)
from .execution import Execution, ExecutionStatus
from .protocol import StepFunctionsProtocol, handle_request
from .service import LocalStepFunctions, StateEnteredListener, StatusListener, TaskInvoker

__all__ = [
    "AccessDeniedError",
    "Authorize",
    "Execution",
    "ExecutionAlreadyExists",
    "ExecutionDoesNotExist",
    "ExecutionStatus",
    "InvalidArn",
    "InvalidDefinition",
    "InvalidExecutionInput",
    "InvalidName",
    "InvalidOutput",
    "InvalidToken",
    "LambdaFunctionError",
    "LambdaServiceError",
    "LocalStepFunctions",
    "ServiceQuotaExceededException",
    "StateEnteredListener",
    "StateMachineAlreadyExists",
    "StateMachineDoesNotExist",
    "StatesError",
    "StatusListener",
    "StepFunctionsApiError",
    "StepFunctionsProtocol",
    "TaskDoesNotExist",
    "TaskInvoker",
    "TaskTimedOut",
    "ValidationException",
    "handle_request",
]
