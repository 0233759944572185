"""Limits a workflow can hit in AWS, enforced by the local runtime: 256 KiB payloads, 25,000 history
events, execution and state machine names."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from nurtureflow.local.stepfunctions import (
    InvalidName,
    LocalStepFunctions,
    StepFunctionsProtocol,
    ValidationException,
)
from nurtureflow.local.stepfunctions.history import MAX_EVENTS

Runner = Callable[..., dict[str, Any]]
MachineFactory = Callable[..., str]
Output = Callable[[dict[str, Any]], Any]

INVOKE = "arn:aws:states:::lambda:invoke"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:big"
LIMIT = 262_144
QUOTAS = "https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html"
# Two UTF-8 bytes each: a JSON string of n of them, quotes included, is 2n + 2 bytes.
TWO_BYTES = "é"
LARGEST_STRING = TWO_BYTES * ((LIMIT - 2) // 2)  # exactly 262,144 bytes as JSON
TOO_LARGE_STRING = LARGEST_STRING + TWO_BYTES  # 262,146 bytes as JSON
TOO_LARGE_CAUSE = (
    "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit."
)


def events_of(sfn: LocalStepFunctions, arn: str) -> list[dict[str, Any]]:
    return list(sfn.get_execution_history(arn)["events"])


def calling(resource: str, **extra: Any) -> dict[str, Any]:
    task: dict[str, Any] = {"Type": "Task", "Resource": resource, **extra}
    if resource == INVOKE:
        task["Parameters"] = {"FunctionName": "big", "Payload.$": "$"}
    return {
        "StartAt": "Call",
        "States": {
            "Call": {**task, "End": True},
            "Caught": {"Type": "Pass", "End": True},
        },
    }


@pytest.fixture
def big(invoker: Any) -> Callable[[Any], None]:
    """Make the function "big" return the given value."""

    def returns(value: Any) -> None:
        invoker.functions["big"] = lambda payload: value

    return returns


def test_a_task_result_of_exactly_256_kib_in_utf8_passes(
    run: Runner, big: Callable[[Any], None], output: Output
) -> None:
    """The quota is 262,144 bytes of UTF-8 (two bytes a character here): not more.
    https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html"""
    big(LARGEST_STRING)
    described = run(calling(FUNCTION_ARN))
    assert described["status"] == "SUCCEEDED"
    assert output(described) == LARGEST_STRING


@pytest.mark.parametrize(
    ("resource", "failed_event", "named"),
    [(INVOKE, "TaskFailed", "lambda"), (FUNCTION_ARN, "LambdaFunctionFailed", FUNCTION_ARN)],
)
def test_a_task_result_over_256_kib_fails_the_task_with_data_limit_exceeded(
    sfn: LocalStepFunctions,
    run: Runner,
    big: Callable[[Any], None],
    resource: str,
    failed_event: str,
    named: str,
) -> None:
    """A connector's output over the payload quota is States.DataLimitExceeded, recorded as the task's
    failure; the cause is AWS's text (LocalStack's AWS-validated snapshots, test_states_errors).
    https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html"""
    big(TOO_LARGE_STRING)
    described = run(calling(resource))
    cause = TOO_LARGE_CAUSE.format(named)
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED",
        "States.DataLimitExceeded",
        cause,
    )
    failure = next(e for e in events_of(sfn, described["executionArn"]) if e["type"] == failed_event)
    details = failure[failed_event[0].lower() + failed_event[1:] + "EventDetails"]
    assert (details["error"], details["cause"]) == ("States.DataLimitExceeded", cause)


def test_a_catcher_naming_data_limit_exceeded_catches_it(
    run: Runner, big: Callable[[Any], None], output: Output
) -> None:
    """The docs call it terminal and uncatchable by States.ALL; AWS-recorded runs show a catcher naming it
    catching it. https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html"""
    big(TOO_LARGE_STRING)
    catch = [{"ErrorEquals": ["States.DataLimitExceeded"], "Next": "Caught"}]
    described = run(calling(INVOKE, Catch=catch))
    assert described["status"] == "SUCCEEDED"
    assert output(described) == {
        "Error": "States.DataLimitExceeded",
        "Cause": TOO_LARGE_CAUSE.format("lambda"),
    }


@pytest.mark.parametrize("pattern", ["States.ALL", "States.TaskFailed"])
def test_states_all_and_task_failed_do_not_catch_data_limit_exceeded(
    run: Runner, big: Callable[[Any], None], pattern: str
) -> None:
    """ "This is a terminal error that can't be caught by the States.ALL error type": the runtime follows
    the docs, stricter than the AWS-recorded runs that show States.ALL catching a too-large Lambda result.
    https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html"""
    big(TOO_LARGE_STRING)
    described = run(calling(INVOKE, Catch=[{"ErrorEquals": [pattern], "Next": "Caught"}]))
    assert (described["status"], described["error"]) == ("FAILED", "States.DataLimitExceeded")


def test_a_retrier_never_retries_data_limit_exceeded(
    run: Runner, big: Callable[[Any], None], invoker: Any
) -> None:
    """A terminal error is not retried, even by a retrier naming it.
    https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html"""
    big(TOO_LARGE_STRING)
    retry = [{"ErrorEquals": ["States.DataLimitExceeded", "States.ALL"], "MaxAttempts": 3}]
    described = run(calling(INVOKE, Retry=retry))
    assert (described["status"], described["error"]) == ("FAILED", "States.DataLimitExceeded")
    assert len(invoker.calls) == 1


def test_a_state_output_over_256_kib_fails_the_execution(sfn: LocalStepFunctions, run: Runner) -> None:
    """ "When the output of a state is larger than payload size quota": the execution fails, the state
    never exits (AWS-validated snapshot test_start_large_input).
    https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html"""
    definition = {
        "StartAt": "State_1",
        "States": {"State_1": {"Type": "Pass", "Result": {"Arg1": TOO_LARGE_STRING}, "End": True}},
    }
    described = run(definition)
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED",
        "States.DataLimitExceeded",
        TOO_LARGE_CAUSE.format("State_1"),
    )
    types = [event["type"] for event in events_of(sfn, described["executionArn"])]
    assert types == ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]


def test_a_state_input_over_256_kib_after_parameters_fails_the_execution(run: Runner) -> None:
    """ "When, after Parameters processing, the input of a state is larger than the payload size quota".
    https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html"""
    parameters = {"a.$": "$.half", "b.$": "$.half", "c.$": "$.half"}
    definition = {
        "StartAt": "Grow",
        "States": {"Grow": {"Type": "Pass", "Parameters": parameters, "OutputPath": "$.a", "End": True}},
    }
    described = run(definition, {"half": "x" * 100_000})
    assert (described["status"], described["error"]) == ("FAILED", "States.DataLimitExceeded")
    assert "'Grow'" in described["cause"]


def test_start_execution_refuses_input_over_256_kib(sfn: LocalStepFunctions, machine: MachineFactory) -> None:
    """StartExecution's ``input`` has a maximum length of 262144 bytes (UTF-8): a longer one is refused
    as any request breaking a length constraint is, with ValidationException.
    https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html"""
    arn = machine({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    sfn.start_execution(arn, name="largest", input=json.dumps(LARGEST_STRING, ensure_ascii=False))
    with pytest.raises(ValidationException, match="262144"):
        sfn.start_execution(arn, name="too-large", input=json.dumps(TOO_LARGE_STRING, ensure_ascii=False))


def test_an_execution_whose_history_reaches_25000_events_fails(sfn: LocalStepFunctions, run: Runner) -> None:
    """ "25,000 events in a single state machine execution history. If the execution history reaches this
    quota, the execution will fail": the last event is the ExecutionFailed, number 25,000 at most.
    https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html"""
    loop = {"StartAt": "Again", "States": {"Again": {"Type": "Pass", "Next": "Again"}}}
    described = run(loop)
    assert (described["status"], described["error"]) == ("FAILED", "States.Runtime")
    events = events_of(sfn, described["executionArn"])
    assert len(events) <= MAX_EVENTS == 25_000
    assert len(events) >= MAX_EVENTS - 1
    assert events[-1]["type"] == "ExecutionFailed"


NAMES_AWS_REFUSES = [
    "",
    "x" * 81,
    "has space",
    "tab\there",
    "new\nline",
    "no-break\u00a0space",
    *'<>{}[]?*"#%\\^|~`$&,;:/',
    "nul\x00",
    "unit\x1f",
    "del\x7f",
    "c1\x9f",
    "bad\ufffe",
    "bad\uffff",
]


@pytest.mark.parametrize("name", NAMES_AWS_REFUSES)
def test_execution_names_aws_refuses_are_invalid_name_on_the_wire(
    sfn: LocalStepFunctions, machine: MachineFactory, name: str
) -> None:
    """Names: 1-80 characters; no whitespace, brackets, wildcards, special or control characters
    (U+0000-001F, U+007F-009F, U+FFFE-FFFF). https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html"""
    arn = machine({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    body = json.dumps({"stateMachineArn": arn, "name": name}).encode()
    status, response = StepFunctionsProtocol(sfn).handle_request("AWSStepFunctions.StartExecution", body)
    assert (status, response["__type"]) == (400, "InvalidName")
    with pytest.raises(InvalidName):
        sfn.create_state_machine(
            name, json.dumps({"StartAt": "D", "States": {"D": {"Type": "Succeed"}}}), "r"
        )


@pytest.mark.parametrize("name", ["a", "x" * 80, "Kontakt-ß_1.ö", "émoji😀", "a.b-c_d"])
def test_execution_names_aws_accepts_start(
    sfn: LocalStepFunctions, machine: MachineFactory, name: str
) -> None:
    """Non-ASCII names are accepted (AWS advises ASCII for CloudWatch, but allows them).
    https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html"""
    arn = machine({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    assert sfn.start_execution(arn, name=name)["executionArn"].endswith(":" + name)


def test_send_task_success_refuses_output_over_256_kib(
    sfn: LocalStepFunctions, machine: MachineFactory, invoker: Any
) -> None:
    """SendTaskSuccess's ``output`` has a maximum length of 262144 bytes (UTF-8): ValidationException,
    and the task still waits. https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html"""
    tokens: list[str] = []
    invoker.functions["ask"] = lambda payload: tokens.append(payload["token"])
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "ask", "Payload": {"token.$": "$$.Task.Token"}},
        "End": True,
    }
    execution = sfn.start_execution(machine({"StartAt": "Ask", "States": {"Ask": task}}))["executionArn"]
    sfn.run_due()
    with pytest.raises(ValidationException, match="262144"):
        sfn.send_task_success(tokens[0], json.dumps(TOO_LARGE_STRING, ensure_ascii=False))
    sfn.send_task_success(tokens[0], json.dumps(LARGEST_STRING, ensure_ascii=False))
    sfn.run_due()
    assert sfn.describe_execution(execution)["status"] == "SUCCEEDED"
