"""The seam for IAM checks of the state machine's role: ``authorize(role_arn, action, resource_arn)``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from nurtureflow.clock import VirtualClock
from nurtureflow.local.stepfunctions import AccessDeniedError, LocalStepFunctions

INVOKE = "arn:aws:states:::lambda:invoke"
START_EXECUTION = "arn:aws:states:::states:startExecution"
FUNCTIONS = "arn:aws:lambda:us-east-1:000000000000:function:"
MACHINES = "arn:aws:states:us-east-1:000000000000:stateMachine:"
ROLE = "arn:aws:iam::000000000000:role/sfn"


class Policy:
    """An authorizer that allows everything but the (action, resource) pairs it is told to deny."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str]] = []
        self.denied: set[tuple[str, str]] = set()

    def __call__(self, role_arn: str, action: str, resource: str) -> None:
        self.asked.append((role_arn, action, resource))
        if (action, resource) in self.denied:
            raise AccessDeniedError()


@pytest.fixture
def policy() -> Policy:
    return Policy()


@pytest.fixture
def guarded(invoker: Any, policy: Policy, clock: VirtualClock) -> LocalStepFunctions:
    return LocalStepFunctions(invoker, clock=clock, authorize=policy)


def run_on(sfn: LocalStepFunctions, definition: dict[str, Any], data: Any = None) -> dict[str, Any]:
    arn = sfn.create_state_machine("flow", json.dumps(definition), ROLE)["stateMachineArn"]
    started = sfn.start_execution(arn, input=json.dumps({} if data is None else data))
    sfn.run_due()
    return sfn.describe_execution(started["executionArn"])


def calling(resource: str, parameters: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    task: dict[str, Any] = {"Type": "Task", "Resource": resource, **extra}
    if parameters is not None:
        task["Parameters"] = parameters
    return {
        "StartAt": "Call",
        "States": {"Call": {**task, "End": True}, "Caught": {"Type": "Pass", "End": True}},
    }


@pytest.fixture
def echo(invoker: Any) -> None:
    invoker.functions["echo"] = lambda payload: payload


@pytest.mark.parametrize(
    ("resource", "function", "resource_arn"),
    [
        (INVOKE, "echo", FUNCTIONS + "echo"),
        (INVOKE, "echo:live", FUNCTIONS + "echo:live"),
        (INVOKE, FUNCTIONS + "echo:3", FUNCTIONS + "echo:3"),
        (INVOKE, "000000000000:function:echo", FUNCTIONS + "echo"),
        (FUNCTIONS + "echo", None, FUNCTIONS + "echo"),
    ],
)
@pytest.mark.usefixtures("echo")
def test_every_lambda_invoke_is_authorized_on_the_function_arn_as_named(
    guarded: LocalStepFunctions, policy: Policy, resource: str, function: str | None, resource_arn: str
) -> None:
    """The role needs lambda:InvokeFunction on the function's ARN as the task names it: unqualified for an
    unqualified name, qualified (version or alias) for a qualified one. https://docs.aws.amazon.com/step-functions/latest/dg/lambda-iam.html"""
    parameters = None if function is None else {"FunctionName": function, "Payload.$": "$"}
    described = run_on(guarded, calling(resource, parameters), {"n": 1})
    assert described["status"] == "SUCCEEDED"
    assert policy.asked == [(ROLE, "lambda:InvokeFunction", resource_arn)]


@pytest.mark.parametrize("resource", [INVOKE, FUNCTIONS + "echo"])
@pytest.mark.usefixtures("echo")
def test_a_denied_invoke_fails_the_task_as_lambda_aws_lambda_exception(
    guarded: LocalStepFunctions, policy: Policy, invoker: Any, resource: str
) -> None:
    """Lambda refuses a role without lambda:InvokeFunction with AccessDeniedException (HTTP 403), which is
    not one of Invoke's modelled errors, so the task fails with Lambda.AWSLambdaException and a cause
    naming AccessDeniedException, in the form of AWS's Lambda errors ("... (Service: AWSLambda; Status
    Code: ...; Error Code: ...)"). https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html"""
    policy.denied.add(("lambda:InvokeFunction", FUNCTIONS + "echo"))
    parameters = {"FunctionName": "echo", "Payload.$": "$"} if resource == INVOKE else None
    described = run_on(guarded, calling(resource, parameters))
    assert (described["status"], described["error"]) == ("FAILED", "Lambda.AWSLambdaException")
    cause = described["cause"]
    assert f"is not authorized to perform: lambda:InvokeFunction on resource: {FUNCTIONS}echo" in cause
    assert "Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException" in cause
    assert invoker.calls == []


@pytest.mark.usefixtures("echo")
def test_a_catch_catches_a_denied_invoke(
    guarded: LocalStepFunctions, policy: Policy, output: Callable[[dict[str, Any]], Any]
) -> None:
    """A denied invoke is an ordinary task failure: Retry and Catch see it.
    https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html"""
    policy.denied.add(("lambda:InvokeFunction", FUNCTIONS + "echo"))
    catch = [{"ErrorEquals": ["Lambda.AWSLambdaException"], "Next": "Caught"}]
    described = run_on(guarded, calling(INVOKE, {"FunctionName": "echo"}, Catch=catch))
    assert described["status"] == "SUCCEEDED"
    assert output(described)["Error"] == "Lambda.AWSLambdaException"


@pytest.mark.usefixtures("echo")
def test_without_authorize_nothing_is_checked(
    sfn: LocalStepFunctions, output: Callable[[dict[str, Any]], Any]
) -> None:
    """``authorize=None`` (the default) keeps the runtime as it was: every call allowed."""
    definition = calling(INVOKE, {"FunctionName": "echo", "Payload.$": "$"})
    arn = sfn.create_state_machine("flow", json.dumps(definition), ROLE)["stateMachineArn"]
    started = sfn.start_execution(arn, input='{"n": 1}')
    sfn.run_due()
    described = sfn.describe_execution(started["executionArn"])
    assert output(described)["Payload"] == {"n": 1}


def test_the_start_execution_task_is_authorized_on_the_target_machine(
    guarded: LocalStepFunctions, policy: Policy
) -> None:
    """states:startExecution needs states:StartExecution on the machine it starts; a denial fails the task
    (StepFunctions.AWSStepFunctionsException, cause naming AccessDeniedException).
    https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html"""
    child = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    target = guarded.create_state_machine("child", child, ROLE)["stateMachineArn"]
    definition = calling(START_EXECUTION, {"StateMachineArn": target})
    described = run_on(guarded, definition)
    assert described["status"] == "SUCCEEDED"
    assert policy.asked == [(ROLE, "states:StartExecution", target)]
    policy.denied.add(("states:StartExecution", target))
    again = guarded.start_execution(described["stateMachineArn"], name="again")
    guarded.run_due()
    failed = guarded.describe_execution(again["executionArn"])
    assert (failed["status"], failed["error"]) == ("FAILED", "StepFunctions.AWSStepFunctionsException")
    assert "Error Code: AccessDeniedException" in failed["cause"]
    assert len(guarded.list_executions(target)["executions"]) == 1


def test_distributed_map_children_need_start_execution_on_the_machine_itself(
    guarded: LocalStepFunctions, policy: Policy
) -> None:
    """A Distributed Map starts its child executions as the state machine's role: it needs
    states:StartExecution on the state machine itself. Denied, the execution fails (States.Runtime: the
    docs don't say how AWS fails it, so the runtime takes the strictest way).
    https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html"""
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Item",
        "States": {"Item": {"Type": "Pass", "End": True}},
    }
    definition = {
        "StartAt": "Each",
        "States": {"Each": {"Type": "Map", "ItemProcessor": processor, "End": True}},
    }
    described = run_on(guarded, definition, [1, 2])
    machine = described["stateMachineArn"]
    assert described["status"] == "SUCCEEDED"
    assert policy.asked == [(ROLE, "states:StartExecution", machine)]
    policy.denied.add(("states:StartExecution", machine))
    again = guarded.start_execution(machine, name="again", input="[1, 2]")
    guarded.run_due()
    failed = guarded.describe_execution(again["executionArn"])
    assert (failed["status"], failed["error"]) == ("FAILED", "States.Runtime")
    assert "states:StartExecution" in failed["cause"]
