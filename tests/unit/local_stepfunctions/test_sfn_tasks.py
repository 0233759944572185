"""Lambda tasks: results, errors, Retry with backoff in virtual time, Catch, and task-token callbacks."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from nurtureflow.local.stepfunctions import (
    InvalidToken,
    LambdaFunctionError,
    LambdaServiceError,
    LocalStepFunctions,
    TaskDoesNotExist,
    TaskTimedOut,
)
from nurtureflow.local.stepfunctions.errors import error_matches

Runner = Callable[..., dict[str, Any]]
MachineFactory = Callable[..., str]
Output = Callable[[dict[str, Any]], Any]

INVOKE = "arn:aws:states:::lambda:invoke"
WAIT_FOR_TOKEN = "arn:aws:states:::lambda:invoke.waitForTaskToken"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:{}"


def invoke(function: str, **extra: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": INVOKE,
        "Parameters": {"FunctionName": function, "Payload.$": "$"},
        **extra,
    }


def with_fallback(task: dict[str, Any]) -> dict[str, Any]:
    """Task -> (End), or Task -> Caught (Pass) when the task's catcher fires."""
    return {
        "StartAt": "Task",
        "States": {"Task": {**task, "End": True}, "Caught": {"Type": "Pass", "End": True}},
    }


def token_task(**extra: Any) -> dict[str, Any]:
    parameters = {"FunctionName": "ask", "Payload": {"token.$": "$$.Task.Token", "who.$": "$.who"}}
    return {"Type": "Task", "Resource": WAIT_FOR_TOKEN, "Parameters": parameters, **extra}


def events_of(sfn: LocalStepFunctions, execution: str, event_type: str) -> list[dict[str, Any]]:
    return [e for e in sfn.get_execution_history(execution)["events"] if e["type"] == event_type]


@pytest.fixture
def tokens(invoker: Any) -> list[str]:
    """Tokens the "ask" function received."""
    received: list[str] = []

    def ask(payload: dict[str, Any]) -> Any:
        received.append(payload["token"])
        return {"asked": payload["who"]}

    invoker.functions["ask"] = ask
    return received


def test_lambda_invoke_wraps_the_result_like_aws(run: Runner, invoker: Any, output: Output) -> None:
    invoker.functions["double"] = lambda payload: {"n": payload["n"] * 2}
    task = invoke(FUNCTION_ARN.format("double") + ":live")
    described = run(with_fallback(task), {"n": 21})
    result = output(described)
    assert result["Payload"] == {"n": 42}
    assert (result["StatusCode"], result["ExecutedVersion"]) == (200, "live")
    request_id = result["SdkResponseMetadata"]["RequestId"]
    assert uuid.UUID(request_id).version == 4
    assert str(uuid.UUID(request_id)) == request_id  # the canonical text, as Lambda's ids are
    assert result["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-RequestId"] == request_id
    assert invoker.calls == [("double", {"n": 21})]


def test_every_invocation_has_a_request_id_of_its_own(run: Runner, invoker: Any, output: Output) -> None:
    invoker.functions["double"] = lambda payload: {"n": payload["n"] * 2}
    task = invoke(FUNCTION_ARN.format("double") + ":live")
    ids = {output(run(with_fallback(task), {"n": n}))["SdkResponseMetadata"]["RequestId"] for n in range(50)}
    assert len(ids) == 50


def test_a_bare_function_arn_returns_the_result_itself(
    sfn: LocalStepFunctions, run: Runner, invoker: Any, output: Output
) -> None:
    invoker.functions["echo"] = lambda payload: payload
    task = {"Type": "Task", "Resource": FUNCTION_ARN.format("echo"), "Parameters": {"v.$": "$.v"}}
    described = run(with_fallback(task), {"v": [1]})
    assert output(described) == {"v": [1]}
    types = [e["type"] for e in sfn.get_execution_history(described["executionArn"])["events"]]
    assert types[2:6] == [
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionSucceeded",
        "TaskStateExited",
    ]


def test_a_function_error_is_caught_with_its_type_and_cause(
    run: Runner, invoker: Any, output: Output
) -> None:
    def fail(payload: Any) -> Any:
        raise LambdaFunctionError("ContactMissing", "no contact 7")

    invoker.functions["fail"] = fail
    task = invoke(
        "fail", Catch=[{"ErrorEquals": ["ContactMissing"], "ResultPath": "$.error", "Next": "Caught"}]
    )
    described = run(with_fallback(task), {"id": 7})
    error = output(described)["error"]
    assert error["Error"] == "ContactMissing"
    assert json.loads(error["Cause"]) == {"errorMessage": "no contact 7", "errorType": "ContactMissing"}
    assert output(described)["id"] == 7


def test_other_exceptions_are_lambda_service_exceptions(run: Runner, invoker: Any) -> None:
    invoker.functions["crash"] = lambda payload: 1 / 0
    described = run(with_fallback(invoke("crash")))
    assert (described["status"], described["error"]) == ("FAILED", "Lambda.ServiceException")
    invoker.functions["odd"] = lambda payload: {1, 2}  # not JSON: Lambda's runtime can't marshal it
    described = run(with_fallback(invoke("odd")))
    assert (described["status"], described["error"]) == ("FAILED", "Runtime.MarshalError")


def test_retries_back_off_in_virtual_time_then_catch(
    sfn: LocalStepFunctions, machine: MachineFactory, invoker: Any, start: datetime, output: Output
) -> None:
    def flaky(payload: Any) -> Any:
        raise LambdaFunctionError("Flaky", "try again")

    invoker.functions["flaky"] = flaky
    retry = [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3}]
    catch = [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]
    execution = sfn.start_execution(machine(with_fallback(invoke("flaky", Retry=retry, Catch=catch))))[
        "executionArn"
    ]
    sfn.run_due()
    assert len(invoker.calls) == 1
    sfn.advance(timedelta(seconds=7.9))  # attempts at +2 and +8: only the first retry is due yet
    assert len(invoker.calls) == 2
    sfn.advance(timedelta(minutes=1))
    described = sfn.describe_execution(execution)
    assert output(described)["Error"] == "Flaky"
    scheduled = [e["timestamp"] - start for e in events_of(sfn, execution, "TaskScheduled")]
    assert scheduled == [timedelta(0), timedelta(seconds=2), timedelta(seconds=8), timedelta(seconds=26)]
    assert described["nurtureflowTransitions"] == 1 + 3 + 1  # Task, three retries, Caught


def test_max_delay_and_full_jitter(
    sfn: LocalStepFunctions, machine: MachineFactory, invoker: Any, start: datetime
) -> None:
    invoker.functions["down"] = lambda payload: 1 / 0
    retry = [
        {
            "ErrorEquals": ["Lambda.ServiceException"],
            "IntervalSeconds": 10,
            "MaxAttempts": 3,
            "MaxDelaySeconds": 30,
            "JitterStrategy": "FULL",
        }
    ]
    execution = sfn.start_execution(machine(with_fallback(invoke("down", Retry=retry))))["executionArn"]
    sfn.advance(timedelta(minutes=5))
    scheduled = [e["timestamp"] - start for e in events_of(sfn, execution, "TaskScheduled")]
    # delays 10, 20, min(40, 30) = 30 seconds, each halved by the pinned random source (0.5)
    assert scheduled == [timedelta(0), timedelta(seconds=5), timedelta(seconds=15), timedelta(seconds=30)]


@pytest.mark.parametrize(
    ("error_equals", "name", "expected"),
    [
        (["States.ALL"], "Anything", True),
        (["States.ALL"], "States.Runtime", False),
        (["States.TaskFailed"], "Lambda.ServiceException", True),
        (["States.TaskFailed"], "States.Timeout", False),
        (["States.TaskFailed"], "States.HeartbeatTimeout", False),
        (["States.Timeout"], "States.HeartbeatTimeout", True),
        (["A", "B"], "B", True),
        (["A"], "a", False),
    ],
)
def test_error_matching(error_equals: list[str], name: str, expected: bool) -> None:
    assert error_matches(error_equals, name) is expected


def test_the_first_matching_retrier_decides(run: Runner, sfn: LocalStepFunctions, invoker: Any) -> None:
    def fail(payload: Any) -> Any:
        raise LambdaFunctionError("Specific", "x")

    invoker.functions["fail"] = fail
    retry = [
        {"ErrorEquals": ["Specific"], "MaxAttempts": 0},
        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5},
    ]
    described = run(with_fallback(invoke("fail", Retry=retry)))
    assert described["status"] == "FAILED"
    assert len(invoker.calls) == 1  # the exhausted first retrier sends the error on, not the second


def test_a_token_task_resumes_with_the_callback_output(
    sfn: LocalStepFunctions, machine: MachineFactory, tokens: list[str], output: Output
) -> None:
    execution = sfn.start_execution(machine(with_fallback(token_task())), input='{"who": "ann"}')[
        "executionArn"
    ]
    sfn.run_due()
    assert sfn.describe_execution(execution)["status"] == "RUNNING"
    assert len(tokens) == 1
    sfn.send_task_success(tokens[0], '{"approved": true}')
    assert sfn.describe_execution(execution)["status"] == "RUNNING"  # recorded now, run on the next drive
    sfn.run_due()
    assert output(sfn.describe_execution(execution)) == {"approved": True}
    types = [e["type"] for e in sfn.get_execution_history(execution)["events"]]
    assert types[2:7] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited"]
    with pytest.raises(TaskTimedOut):
        sfn.send_task_success(tokens[0], "{}")  # that task is closed


def test_a_token_task_fails_with_the_callback_error(
    sfn: LocalStepFunctions, machine: MachineFactory, tokens: list[str]
) -> None:
    execution = sfn.start_execution(machine(with_fallback(token_task())), input='{"who": "bo"}')[
        "executionArn"
    ]
    sfn.run_due()
    sfn.send_task_failure(tokens[0], error="Rejected", cause="said no")
    sfn.run_due()
    described = sfn.describe_execution(execution)
    assert (described["status"], described["error"], described["cause"]) == ("FAILED", "Rejected", "said no")


def test_a_token_task_times_out_into_its_catcher(
    sfn: LocalStepFunctions, machine: MachineFactory, tokens: list[str], start: datetime, output: Output
) -> None:
    task = token_task(TimeoutSeconds=3600, Catch=[{"ErrorEquals": ["States.Timeout"], "Next": "Caught"}])
    execution = sfn.start_execution(machine(with_fallback(task)), input='{"who": "cy"}')["executionArn"]
    sfn.advance(timedelta(seconds=3599))
    assert sfn.describe_execution(execution)["status"] == "RUNNING"
    sfn.advance(timedelta(hours=5))
    described = sfn.describe_execution(execution)
    assert output(described)["Error"] == "States.Timeout"
    (timed_out,) = events_of(sfn, execution, "TaskTimedOut")
    assert timed_out["timestamp"] == start + timedelta(hours=1)
    with pytest.raises(TaskTimedOut):
        sfn.send_task_success(tokens[0], "{}")


def test_a_task_timeout_has_no_cause_and_its_catcher_gets_an_empty_one(
    sfn: LocalStepFunctions, machine: MachineFactory, tokens: list[str], output: Output
) -> None:
    """As AWS records it: TaskTimedOut carries only the error; the error output's Cause is ""."""
    task = token_task(
        TimeoutSeconds=60,
        Catch=[{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.waited", "Next": "Caught"}],
    )
    execution = sfn.start_execution(machine(with_fallback(task)), input='{"who": "ed"}')["executionArn"]
    sfn.advance(timedelta(minutes=2))
    assert output(sfn.describe_execution(execution))["waited"] == {"Error": "States.Timeout", "Cause": ""}
    (timed_out,) = events_of(sfn, execution, "TaskTimedOut")
    assert "cause" not in timed_out["taskTimedOutEventDetails"]


def test_heartbeats_keep_a_token_task_alive_until_they_stop(
    sfn: LocalStepFunctions, machine: MachineFactory, tokens: list[str], start: datetime
) -> None:
    execution = sfn.start_execution(
        machine(with_fallback(token_task(HeartbeatSeconds=60))), input='{"who": "d"}'
    )
    arn = execution["executionArn"]
    for _ in range(3):
        sfn.advance(timedelta(seconds=50))
        sfn.send_task_heartbeat(tokens[0])
    sfn.advance(timedelta(seconds=59))
    assert sfn.describe_execution(arn)["status"] == "RUNNING"
    sfn.advance(timedelta(seconds=1))
    described = sfn.describe_execution(arn)
    assert (described["status"], described["error"]) == ("FAILED", "States.HeartbeatTimeout")
    assert described["stopDate"] == start + timedelta(seconds=210)


def test_token_error_codes(sfn: LocalStepFunctions) -> None:
    with pytest.raises(InvalidToken):
        sfn.send_task_success("not-a-token", "{}")
    with pytest.raises(InvalidToken):
        sfn.send_task_heartbeat("")
    foreign: list[str] = []  # a well-formed token that this service never issued
    other = LocalStepFunctions(lambda name, payload: foreign.append(payload["token"]))
    created = other.create_state_machine("other", json.dumps(with_fallback(token_task())), "role")
    other.start_execution(created["stateMachineArn"], input='{"who": "x"}')
    other.run_due()
    with pytest.raises(TaskDoesNotExist):
        sfn.send_task_failure(foreign[0])


def test_a_lambda_may_answer_its_own_token_before_it_returns(
    sfn: LocalStepFunctions, machine: MachineFactory, invoker: Any, output: Output
) -> None:
    def answer_in_thread(payload: Any) -> Any:
        # as over HTTP: another thread calls SendTaskSuccess while this call is still running
        worker = threading.Thread(target=sfn.send_task_success, args=(payload["token"], '{"by": "thread"}'))
        worker.start()
        worker.join(timeout=5)
        assert not worker.is_alive(), "the API must not wait for the driver"
        return "submitted"

    invoker.functions["ask"] = answer_in_thread
    execution = sfn.start_execution(machine(with_fallback(token_task())), input='{"who": "e"}')[
        "executionArn"
    ]
    assert sfn.run_due() >= 1
    assert output(sfn.describe_execution(execution)) == {"by": "thread"}


def test_a_lambda_may_start_executions_and_the_driver_runs_them(
    sfn: LocalStepFunctions, machine: MachineFactory, invoker: Any
) -> None:
    child = machine({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    started: list[str] = []

    def spawn(payload: Any) -> Any:
        started.append(sfn.start_execution(child, input="{}")["executionArn"])
        assert sfn.run_due() == 0  # a nested drive returns at once; the running driver does the work
        return None

    invoker.functions["spawn"] = spawn
    parent = sfn.start_execution(machine(with_fallback(invoke("spawn"))))["executionArn"]
    sfn.run_due()
    assert sfn.describe_execution(parent)["status"] == "SUCCEEDED"
    assert sfn.describe_execution(started[0])["status"] == "SUCCEEDED"


def test_stopping_an_execution_closes_its_token(
    sfn: LocalStepFunctions, machine: MachineFactory, tokens: list[str], ended: list[dict[str, Any]]
) -> None:
    execution = sfn.start_execution(machine(with_fallback(token_task())), input='{"who": "f"}')[
        "executionArn"
    ]
    sfn.run_due()
    stopped = sfn.stop_execution(execution, error="Operator", cause="manual")
    described = sfn.describe_execution(execution)
    assert (described["status"], described["stopDate"]) == ("ABORTED", stopped["stopDate"])
    with pytest.raises(TaskTimedOut):
        sfn.send_task_success(tokens[0], "{}")
    assert ended == []  # the listener hears from the driver ...
    sfn.run_due()
    assert [(e["status"], e["error"], e["cause"]) for e in ended] == [("ABORTED", "Operator", "manual")]


def test_a_retried_parallel_state_runs_its_branches_again(
    sfn: LocalStepFunctions, machine: MachineFactory, invoker: Any, start: datetime, output: Output
) -> None:
    attempts: list[int] = []

    def once_broken(payload: Any) -> Any:
        attempts.append(1)
        if len(attempts) == 1:
            raise LambdaFunctionError("Transient", "first call fails")
        return "fixed"

    invoker.functions["once"] = once_broken
    invoker.functions["fine"] = lambda payload: "fine"
    branches = [
        {"StartAt": name, "States": {name: {**invoke(name), "End": True}}} for name in ("once", "fine")
    ]
    state = {
        "Type": "Parallel",
        "Branches": branches,
        "ResultSelector": {"payloads.$": "$[*].Payload"},
        "Retry": [{"ErrorEquals": ["Transient"], "IntervalSeconds": 5}],
    }
    execution = sfn.start_execution(machine(with_fallback(state)))["executionArn"]
    sfn.advance(timedelta(seconds=10))
    described = sfn.describe_execution(execution)
    assert output(described) == {"payloads": ["fixed", "fine"]}
    assert described["nurtureflowTransitions"] == 3 + 1 + 2  # Parallel + 2 tasks, a retry, 2 tasks again
    started = [e["timestamp"] - start for e in events_of(sfn, execution, "ParallelStateStarted")]
    assert started == [timedelta(0), timedelta(seconds=5)]


@pytest.mark.parametrize(
    ("code", "status", "error_name"),
    [
        ("ResourceNotFoundException", 404, "Lambda.ResourceNotFoundException"),
        ("TooManyRequestsException", 429, "Lambda.TooManyRequestsException"),
        ("ServiceException", 500, "Lambda.ServiceException"),
        ("AccessDeniedException", 403, "Lambda.AWSLambdaException"),
    ],
)
def test_lambda_api_refusals_are_named_as_aws_names_them(
    run: Runner, invoker: Any, code: str, status: int, error_name: str
) -> None:
    """The Lambda API refusing a call fails the task with Lambda.<its error code> (for Invoke's modelled
    errors; Lambda.AWSLambdaException for any other) and AWS's cause format, as recorded on AWS for a
    missing function (LocalStack's AWS-validated snapshot test_task_service_lambda::test_no_such_function).
    https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html"""

    def refuse(payload: Any) -> Any:
        raise LambdaServiceError(code, "Function not found: arn:aws:lambda:...:function:gone:$LATEST", status)

    invoker.functions["gone"] = refuse
    described = run(with_fallback(invoke("gone")))
    assert (described["status"], described["error"]) == ("FAILED", error_name)
    assert described["cause"].startswith("Function not found: arn:aws:lambda:...:function:gone:$LATEST (")
    assert (
        f"(Service: AWSLambda; Status Code: {status}; Error Code: {code}; Request ID: " in described["cause"]
    )
    assert described["cause"].endswith("; Proxy: null)")
