"""Task states that call Lambda: ``lambda:invoke``, ``lambda:invoke.waitForTaskToken``, a function ARN
(and ``states:startExecution``, handed to ``nested``, and ``http:invoke``, to ``http_task``)."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from .authorization import INVOKE_FUNCTION, denial_message, function_arn, sdk_cause
from .errors import (
    HEARTBEAT_TIMEOUT,
    LAMBDA_SERVICE_EXCEPTION,
    RUNTIME,
    TIMEOUT,
    AccessDeniedError,
    LambdaFunctionError,
    LambdaServiceError,
    StatesError,
)
from .history import NOT_TRUNCATED, LazyJson
from .http_task import is_http_invoke, start_http_task
from .limits import MAX_PAYLOAD_BYTES, result_too_large, size_of
from .nested import is_start_execution, start_execution_task
from .paths import query, to_json
from .runs import PENDING, InvocationResult, Outcome, Run, Runtime
from .tokens import TaskToken

_TOKEN_SUFFIX = ".waitForTaskToken"  # noqa: S105 - a resource suffix, not a secret
# The errors Lambda's Invoke API models: Step Functions names a refusal Lambda.<code> for these and
# Lambda.AWSLambdaException for any other code (AccessDeniedException, for one).
# https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
_MODELLED_LAMBDA_ERRORS = frozenset(
    {
        "EC2AccessDeniedException",
        "EC2ThrottledException",
        "EC2UnexpectedException",
        "EFSIOException",
        "EFSMountConnectivityException",
        "EFSMountFailureException",
        "EFSMountTimeoutException",
        "ENILimitReachedException",
        "InvalidParameterValueException",
        "InvalidRequestContentException",
        "InvalidRuntimeException",
        "InvalidSecurityGroupIDException",
        "InvalidSubnetIDException",
        "InvalidZipFileException",
        "KMSAccessDeniedException",
        "KMSDisabledException",
        "KMSInvalidStateException",
        "KMSNotFoundException",
        "RecursiveInvocationException",
        "RequestTooLargeException",
        "ResourceConflictException",
        "ResourceNotFoundException",
        "ResourceNotReadyException",
        "ServiceException",
        "SnapStartException",
        "SnapStartNotReadyException",
        "SnapStartTimeoutException",
        "SubnetIPAddressLimitReachedException",
        "TooManyRequestsException",
        "UnsupportedMediaTypeException",
    }
)


@dataclass(frozen=True)
class LambdaResource:
    optimized: bool  # the lambda:invoke integration (result wrapped as Invoke's response) or a bare ARN
    wait_for_token: bool
    label: str  # the history's "resource": "invoke", "invoke.waitForTaskToken" or the function ARN


@lru_cache(maxsize=256)
def parse_resource(resource: str) -> LambdaResource:
    """What a Task's ``Resource`` asks for; States.Runtime for integrations this runtime doesn't run."""
    parts = resource.split(":")
    if len(parts) >= 7 and parts[0] == "arn" and parts[2] == "states" and parts[5] == "lambda":
        action = ":".join(parts[6:])
        if action in ("invoke", "invoke" + _TOKEN_SUFFIX):
            return LambdaResource(True, action.endswith(_TOKEN_SUFFIX), action)
    if len(parts) >= 7 and parts[0] == "arn" and parts[2] == "lambda" and parts[5] == "function":
        return LambdaResource(False, False, resource)
    raise StatesError(
        RUNTIME,
        f"The local Step Functions runtime runs Lambda and states:startExecution tasks, not '{resource}'",
    )


def waits_for_token(state: Mapping[str, Any]) -> bool:
    return str(state.get("Resource", "")).endswith(_TOKEN_SUFFIX)


@lru_cache(maxsize=256)
def function_name(identifier: str) -> tuple[str, str]:
    """A function's name and version from a name, ``name:alias``, partial or full ARN."""
    parts = identifier.split(":")
    at = parts.index("function") + 1 if "function" in parts else 0
    qualifier = parts[at + 1] if len(parts) > at + 1 else ""
    return parts[at], qualifier or "$LATEST"


def invocation_error(exception: Exception) -> StatesError:
    """The state error for a failed call: the function's own error type; Lambda.<code> (or
    Lambda.AWSLambdaException) for the Lambda API refusing it; else Lambda.ServiceException."""
    if isinstance(exception, LambdaFunctionError):
        cause = json.dumps({"errorMessage": exception.message, "errorType": exception.error_type})
        return StatesError(exception.error_type, cause)
    if isinstance(exception, LambdaServiceError):
        return lambda_api_error(exception.code, exception.message, exception.status)
    return StatesError(LAMBDA_SERVICE_EXCEPTION, f"{type(exception).__name__}: {exception}")


def lambda_api_error(code: str, message: str, status: int) -> StatesError:
    name = f"Lambda.{code}" if code in _MODELLED_LAMBDA_ERRORS else "Lambda.AWSLambdaException"
    return StatesError(name, sdk_cause(message, "AWSLambda", status, code))


def _seconds(state: Mapping[str, Any], field: str, data: Any, context: Any) -> int | None:
    if field in state:
        value = state[field]
    elif f"{field}Path" in state:
        value = query(state[f"{field}Path"], data, context)
    else:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise StatesError(RUNTIME, f"{field} must be a positive integer, got {to_json(value)}")
    return value


def start_task(runtime: Runtime, run: Run, state: Mapping[str, Any], data: Any) -> Outcome:
    """Schedule the call (made by the driver outside the lock) and the token task's timers."""
    if is_start_execution(str(state["Resource"])):
        return start_execution_task(runtime, run, state, data)
    if is_http_invoke(str(state["Resource"])):
        return start_http_task(runtime, run, state, data)
    resource = parse_resource(str(state["Resource"]))
    context = runtime.context(run)
    timeout = _seconds(state, "TimeoutSeconds", run.effective_input, context)
    heartbeat = _seconds(state, "HeartbeatSeconds", run.effective_input, context)
    if resource.optimized:
        if not isinstance(data, dict) or not isinstance(data.get("FunctionName"), str):
            raise StatesError(RUNTIME, "lambda:invoke needs Parameters with a FunctionName")
        target, payload = str(data["FunctionName"]), data.get("Payload", {})
        scheduled = {"region": runtime.region, "parameters": LazyJson(data), "heartbeatInSeconds": heartbeat}
        runtime.record(run, "TaskScheduled", {**_source(resource), **scheduled, "timeoutInSeconds": timeout})
        runtime.record(run, "TaskStarted", _source(resource))
    else:
        target, payload = resource.label, data
        details = {"resource": target, "input": LazyJson(data), "timeoutInSeconds": timeout}
        runtime.record(run, "LambdaFunctionScheduled", details)
        runtime.record(run, "LambdaFunctionStarted")
    target_arn = function_arn(target, runtime.region, run.execution.arn.split(":")[4])
    try:
        runtime.authorize(run, INVOKE_FUNCTION, target_arn)
    except AccessDeniedError as denied:
        message = denial_message(run.execution.role_arn, INVOKE_FUNCTION, target_arn, denied)
        error = lambda_api_error("AccessDeniedException", message, 403)
        _record_failure(runtime, run, resource, error)
        raise error from None
    deadline = runtime.now() + timedelta(seconds=timeout) if timeout else None
    # callbacks with their arguments, not closures: a waiting run is fewer objects
    if resource.wait_for_token and run.token is not None:
        if deadline is not None:
            runtime.wake_at(deadline, run, _time_out, runtime, run, resource, TIMEOUT)
        if heartbeat is not None:
            run.token.heartbeat = timedelta(seconds=heartbeat)
            arm_heartbeat(runtime, run.token)
    name, version = function_name(target)
    runtime.invoke(run, name, payload, _invoked, runtime, run, resource, version, deadline)
    return PENDING


def arm_heartbeat(runtime: Runtime, token: TaskToken) -> None:
    """(Re)start the heartbeat clock: States.HeartbeatTimeout unless another heartbeat comes in time."""
    if token.heartbeat is None:
        return
    due = runtime.now() + token.heartbeat
    token.heartbeat_due = due
    run = token.run

    def check() -> None:
        if token.heartbeat_due == due:
            _time_out(runtime, run, parse_resource(str(run.state["Resource"])), HEARTBEAT_TIMEOUT)

    runtime.wake_at(due, run, check)


def on_answer(runtime: Runtime, token: TaskToken) -> None:
    """SendTaskSuccess/SendTaskFailure arrived for the run's waiting token task."""
    run, answer = token.run, token.answer
    assert answer is not None
    resource = parse_resource(str(run.state["Resource"]))
    if answer.error is not None:
        _failed(runtime, run, resource, answer.error)
    else:
        _succeeded(runtime, run, resource, answer.output)


def _invoked(
    runtime: Runtime,
    run: Run,
    resource: LambdaResource,
    version: str,
    deadline: datetime | None,
    result: InvocationResult,
) -> None:
    if result.exception is not None:
        if run.token is not None and run.token.answer is not None:
            return  # the task's callback came in while the call was still running: it came first, it wins
        _failed(runtime, run, resource, invocation_error(result.exception))
        return
    output, recorded = result.value, LazyJson(result.value)
    run.result_bound = size_of(result.value)
    if resource.optimized:
        request_id = _request_id()
        output = _invoke_response(result.value, version, request_id)
        recorded = _RecordedInvokeResponse(result.value, version, request_id)
        run.result_bound += _INVOKE_RESPONSE_BYTES + 12 * len(version)
    if resource.wait_for_token:
        runtime.record(run, "TaskSubmitted", {**_source(resource), "output": recorded})
        return  # now the token's answer, a timeout or a heartbeat timeout decides
    if deadline is not None and runtime.now() > deadline:
        _time_out(runtime, run, resource, TIMEOUT)
        return
    _succeeded(runtime, run, resource, output, recorded)


class _RecordedInvokeResponse(LazyJson):
    """An Invoke response in the history: rebuilt when read, so the history keeps only the function's result
    and not eight containers a call (the state's data usually drops the rest at once, by ResultSelector)."""

    __slots__ = ("_request_id", "_version")

    def __init__(self, payload: Any, version: str, request_id: str) -> None:
        super().__init__(payload)
        self._version, self._request_id = version, request_id

    @property
    def value(self) -> Any:
        return _invoke_response(self._value, self._version, self._request_id)


def _invoke_response(payload: Any, version: str, request_id: str) -> dict[str, Any]:
    """The result of ``lambda:invoke``: Lambda's Invoke response as the AWS SDK integration returns it."""
    headers = {
        "Content-Type": "application/json",
        "X-Amz-Executed-Version": version,
        "x-amzn-RequestId": request_id,
    }
    return {
        "ExecutedVersion": version,
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {name: [value] for name, value in headers.items()},
            "HttpHeaders": headers,
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": 200,
    }


# The size of an Invoke response around its payload (the version, three times in it, counted apart).
_INVOKE_RESPONSE_BYTES = len(to_json(_invoke_response(None, "", "00000000-0000-4000-8000-000000000000"))) - 4


# Request ids need to be unique, not secret: drawn from a generator of their own (seeded by the OS
# once), not os.urandom's system call per task, and never from a simulation's seeded generator.
_REQUEST_IDS = random.Random()  # noqa: S311 - not a secret


def _request_id() -> str:
    """A random version-4 UUID's text, as ``str(uuid.uuid4())`` makes it, in a fraction of the time."""
    digits = f"{_REQUEST_IDS.getrandbits(128):032x}"
    variant = "89ab"[int(digits[16], 16) & 3]
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{variant}{digits[17:20]}-{digits[20:]}"


def _source(resource: LambdaResource) -> dict[str, Any]:
    return {"resourceType": "lambda", "resource": resource.label}


def _succeeded(
    runtime: Runtime, run: Run, resource: LambdaResource, output: Any, recorded: LazyJson | None = None
) -> None:
    """The task succeeded with ``output``; ``recorded`` is the output as the history keeps it."""
    if recorded is None:  # a callback's answer: not measured yet
        run.result_bound = size_of(output)
    if run.result_bound > MAX_PAYLOAD_BYTES:
        # AWS names the task by its resource type for an integration, by the function ARN otherwise.
        _failed(runtime, run, resource, result_too_large("lambda" if resource.optimized else resource.label))
        return
    details = {"output": recorded or LazyJson(output), "outputDetails": NOT_TRUNCATED}
    if resource.optimized:
        runtime.record(run, "TaskSucceeded", {**_source(resource), **details})
    else:
        runtime.record(run, "LambdaFunctionSucceeded", details)
    runtime.complete(run, output)


def _failed(runtime: Runtime, run: Run, resource: LambdaResource, error: StatesError) -> None:
    _record_failure(runtime, run, resource, error)
    runtime.fail(run, error)


def _record_failure(runtime: Runtime, run: Run, resource: LambdaResource, error: StatesError) -> None:
    details = {"error": error.name or None, "cause": error.cause}
    if resource.optimized:
        runtime.record(run, "TaskFailed", {**_source(resource), **details})
    else:
        runtime.record(run, "LambdaFunctionFailed", details)


def _time_out(runtime: Runtime, run: Run, resource: LambdaResource, error_name: str) -> None:
    # AWS records a task timeout with no cause, and its catchers see "Cause": "" (docs/runtime-fidelity.md).
    cause = "" if error_name == TIMEOUT else "The task missed a heartbeat"
    error = StatesError(error_name, cause)
    details = {"error": error.name, "cause": cause or None}
    if resource.optimized:
        runtime.record(run, "TaskTimedOut", {**_source(resource), **details})
    else:
        runtime.record(run, "LambdaFunctionTimedOut", details)
    runtime.fail(run, error)
