"""State types and the lifecycle around them: Pass, Wait, Choice, Succeed, Fail, Parallel, Map."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from nurtureflow.clock import VirtualClock
from nurtureflow.local.stepfunctions import LocalStepFunctions
from nurtureflow.local.stepfunctions import engine as engine_module

Chain = Callable[..., dict[str, Any]]
Runner = Callable[..., dict[str, Any]]
MachineFactory = Callable[..., str]
Output = Callable[[dict[str, Any]], Any]


def history_types(sfn: LocalStepFunctions, execution_arn: str) -> list[str]:
    return [event["type"] for event in sfn.get_execution_history(execution_arn)["events"]]


def test_pass_result_result_path_and_parameters(run: Runner, chained: Chain, output: Output) -> None:
    definition = chained(
        (
            "Shape",
            {
                "Type": "Pass",
                "Parameters": {"id.$": "$.user.id", "kind": "contact"},
                "ResultPath": "$.shaped",
            },
        ),
        ("Fixed", {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.fixed"}),
        ("Drop", {"Type": "Pass", "Result": "ignored", "ResultPath": None, "OutputPath": "$.shaped"}),
    )
    described = run(definition, {"user": {"id": 7}})
    assert described["status"] == "SUCCEEDED"
    assert output(described) == {"id": 7, "kind": "contact"}


def test_context_object(run: Runner, chained: Chain, output: Output) -> None:
    definition = chained(
        (
            "Look",
            {
                "Type": "Pass",
                "Parameters": {
                    "id.$": "$$.Execution.Id",
                    "name.$": "$$.Execution.Name",
                    "start.$": "$$.Execution.StartTime",
                    "input.$": "$$.Execution.Input",
                    "state.$": "$$.State.Name",
                    "entered.$": "$$.State.EnteredTime",
                    "machine.$": "$$.StateMachine.Id",
                },
            },
        )
    )
    described = run(definition, {"x": 1}, name="ctx")
    seen = output(described)
    assert seen["id"] == described["executionArn"]
    assert seen["name"] == "ctx"
    assert seen["start"] == seen["entered"] == "2024-01-01T12:00:00.000Z"
    assert seen["input"] == {"x": 1}
    assert seen["state"] == "Look"
    assert seen["machine"] == described["stateMachineArn"]


@pytest.mark.parametrize(
    ("wait", "data"),
    [
        ({"Seconds": 90}, {}),
        ({"SecondsPath": "$.delay"}, {"delay": 90}),
        ({"Timestamp": "2024-01-01T12:01:30Z"}, {}),
        ({"TimestampPath": "$.at"}, {"at": "2024-01-01T13:01:30+01:00"}),
    ],
)
def test_waits_end_at_their_virtual_time_and_not_before(
    start: datetime,
    sfn: LocalStepFunctions,
    machine: MachineFactory,
    chained: Chain,
    wait: dict[str, Any],
    data: Any,
) -> None:
    arn = machine(chained(("Hold", {"Type": "Wait", **wait}), ("Done", {"Type": "Succeed"})))
    execution = sfn.start_execution(arn, input=json.dumps(data))["executionArn"]
    sfn.run_due()
    assert sfn.next_due() == start + timedelta(seconds=90)
    sfn.advance(timedelta(seconds=89))
    assert sfn.describe_execution(execution)["status"] == "RUNNING"
    sfn.advance(timedelta(seconds=1))
    assert sfn.describe_execution(execution)["status"] == "SUCCEEDED"
    exited = next(e for e in sfn.get_execution_history(execution)["events"] if e["type"] == "WaitStateExited")
    assert exited["timestamp"] == start + timedelta(seconds=90)


def test_a_timestamp_in_the_past_goes_on_at_once(run: Runner, chained: Chain) -> None:
    described = run(chained(("Hold", {"Type": "Wait", "Timestamp": "2000-01-01T00:00:00Z"})))
    assert described["status"] == "SUCCEEDED"


def test_history_and_transitions_of_wait_task_choice_succeed(
    sfn: LocalStepFunctions, machine: MachineFactory, invoker: Any
) -> None:
    invoker.functions["score"] = lambda payload: {"score": payload["n"] * 2}
    definition = {
        "StartAt": "Wait",
        "States": {
            "Wait": {"Type": "Wait", "Seconds": 5, "Next": "Score"},
            "Score": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "score", "Payload.$": "$"},
                "ResultSelector": {"score.$": "$.Payload.score"},
                "Next": "Route",
            },
            "Route": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.score", "NumericGreaterThan": 5, "Next": "High"}],
                "Default": "High",
            },
            "High": {"Type": "Succeed"},
        },
    }
    execution = sfn.start_execution(machine(definition), input='{"n": 4}')["executionArn"]
    sfn.advance(timedelta(seconds=5))
    described = sfn.describe_execution(execution)
    assert described["status"] == "SUCCEEDED"
    assert described["output"] == '{"score":8}'
    assert described["nurtureflowTransitions"] == 4
    assert sfn.get_execution(execution).transitions == 4
    assert history_types(sfn, execution) == [
        "ExecutionStarted",
        "WaitStateEntered",
        "WaitStateExited",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "ChoiceStateEntered",
        "ChoiceStateExited",
        "SucceedStateEntered",
        "SucceedStateExited",
        "ExecutionSucceeded",
    ]
    events = sfn.get_execution_history(execution)["events"]
    assert [event["id"] for event in events] == list(range(1, len(events) + 1))
    # As AWS records it: ExecutionStarted and the first state's entry both follow event 0.
    assert [event["previousEventId"] for event in events[:2]] == [0, 0]
    assert all(event["previousEventId"] == event["id"] - 1 for event in events[2:])
    assert events[1]["stateEnteredEventDetails"] == {
        "name": "Wait",
        "input": '{"n":4}',
        "inputDetails": {"truncated": False},
    }
    assert events[-1]["executionSucceededEventDetails"]["output"] == '{"score":8}'
    newest_first = sfn.get_execution_history(execution, reverse_order=True)["events"]
    assert [event["id"] for event in newest_first] == list(range(len(events), 0, -1))


def test_fail_state_fails_the_execution(run: Runner, chained: Chain) -> None:
    described = run(chained(("Stop", {"Type": "Fail", "Error": "Custom.Bad", "Cause": "because"})))
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED",
        "Custom.Bad",
        "because",
    )
    assert described["nurtureflowTransitions"] == 1


def test_fail_state_error_and_cause_paths(run: Runner, chained: Chain) -> None:
    state = {"Type": "Fail", "ErrorPath": "$.code", "CausePath": "States.Format('{} failed', $.who)"}
    described = run(chained(("Stop", state)), {"code": "E42", "who": "ann"})
    assert (described["error"], described["cause"]) == ("E42", "ann failed")


def test_no_choice_matched_fails_the_execution(run: Runner) -> None:
    definition = {
        "StartAt": "Route",
        "States": {
            "Route": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "Done"}]},
            "Done": {"Type": "Succeed"},
        },
    }
    described = run(definition, {"n": 2})
    assert (described["status"], described["error"]) == ("FAILED", "States.NoChoiceMatched")


def test_runtime_errors_are_not_caught_even_by_states_all(run: Runner, chained: Chain) -> None:
    state = {
        "Type": "Parallel",
        "Branches": [chained(("Bad", {"Type": "Pass", "InputPath": "$.missing"}))],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}],
        "Next": "Recover",
    }
    definition = {"StartAt": "Par", "States": {"Par": state, "Recover": {"Type": "Succeed"}}}
    described = run(definition)
    assert (described["status"], described["error"]) == ("FAILED", "States.Runtime")


def test_input_path_and_output_path_on_choice_and_succeed(run: Runner, output: Output) -> None:
    definition = {
        "StartAt": "Route",
        "States": {
            "Route": {
                "Type": "Choice",
                "InputPath": "$.inner",
                "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "Done"}],
            },
            "Done": {"Type": "Succeed", "OutputPath": "$.value"},
        },
    }
    assert output(run(definition, {"inner": {"go": True, "value": [1]}})) == [1]


def test_parallel_collects_branch_outputs_in_order_after_the_longest_wait(
    sfn: LocalStepFunctions, machine: MachineFactory, chained: Chain, output: Output
) -> None:
    slow = chained(("Slow", {"Type": "Wait", "Seconds": 30}), ("A", {"Type": "Pass", "Result": "a"}))
    fast = chained(("Fast", {"Type": "Wait", "Seconds": 10}), ("B", {"Type": "Pass", "Result": "b"}))
    definition = chained(("Both", {"Type": "Parallel", "Branches": [slow, fast], "ResultPath": "$.both"}))
    execution = sfn.start_execution(machine(definition), input='{"keep": 1}')["executionArn"]
    sfn.advance(timedelta(seconds=29))
    assert sfn.describe_execution(execution)["status"] == "RUNNING"
    sfn.advance(timedelta(seconds=1))
    described = sfn.describe_execution(execution)
    assert output(described) == {"keep": 1, "both": ["a", "b"]}
    assert described["nurtureflowTransitions"] == 5
    types = history_types(sfn, execution)
    assert types[:3] == ["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted"]
    assert types[-3:] == ["ParallelStateSucceeded", "ParallelStateExited", "ExecutionSucceeded"]


def test_a_failing_branch_fails_the_parallel_state_into_its_catcher(
    sfn: LocalStepFunctions, machine: MachineFactory, chained: Chain, output: Output
) -> None:
    waiting = chained(("Long", {"Type": "Wait", "Seconds": 100}))
    failing = chained(("Boom", {"Type": "Fail", "Error": "Branch.Broke", "Cause": "no"}))
    state = {
        "Type": "Parallel",
        "Branches": [waiting, failing],
        "Catch": [{"ErrorEquals": ["Branch.Broke"], "ResultPath": "$.error", "Next": "Recover"}],
        "Next": "Recover",
    }
    definition = {"StartAt": "Both", "States": {"Both": state, "Recover": {"Type": "Pass", "End": True}}}
    execution = sfn.start_execution(machine(definition), input='{"a": 1}')["executionArn"]
    sfn.run_due()
    described = sfn.describe_execution(execution)
    assert output(described) == {"a": 1, "error": {"Error": "Branch.Broke", "Cause": "no"}}
    assert sfn.next_due() is not None  # the aborted branch's timer is still queued ...
    sfn.advance(timedelta(seconds=100))
    assert "WaitStateExited" not in history_types(sfn, execution)  # ... but does nothing


def test_map_runs_every_item_with_item_selector_and_context(
    run: Runner, chained: Chain, output: Output
) -> None:
    state = {
        "Type": "Map",
        "ItemsPath": "$.contacts",
        "ItemSelector": {
            "email.$": "$$.Map.Item.Value.email",
            "index.$": "$$.Map.Item.Index",
            "list.$": "$.list",
        },
        "ItemProcessor": chained(
            ("Greet", {"Type": "Pass", "Parameters": {"to.$": "$.email", "n.$": "$.index"}})
        ),
        "ResultPath": "$.sent",
    }
    described = run(chained(("Each", state)), {"list": "L", "contacts": [{"email": "a@x"}, {"email": "b@x"}]})
    assert output(described)["sent"] == [{"to": "a@x", "n": 0}, {"to": "b@x", "n": 1}]
    assert described["nurtureflowTransitions"] == 3


def test_map_with_max_concurrency_one_runs_items_one_after_another(
    start: datetime, sfn: LocalStepFunctions, machine: MachineFactory, chained: Chain, output: Output
) -> None:
    state = {
        "Type": "Map",
        "MaxConcurrency": 1,
        "Iterator": chained(("Pause", {"Type": "Wait", "SecondsPath": "$"})),
    }
    execution = sfn.start_execution(machine(chained(("Each", state))), input="[10, 20, 30]")["executionArn"]
    sfn.advance(timedelta(seconds=59))
    assert sfn.describe_execution(execution)["status"] == "RUNNING"
    sfn.advance(timedelta(seconds=1))
    assert output(sfn.describe_execution(execution)) == [10, 20, 30]
    events = sfn.get_execution_history(execution)["events"]
    started = [e["timestamp"] - start for e in events if e["type"] == "MapIterationStarted"]
    assert started == [timedelta(0), timedelta(seconds=10), timedelta(seconds=30)]
    assert events[2]["mapStateStartedEventDetails"] == {"length": 3}


def test_map_over_nothing_and_a_failing_iteration(run: Runner, chained: Chain, output: Output) -> None:
    iterator = {
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$", "NumericLessThan": 0, "Next": "Bad"}],
                "Default": "Ok",
            },
            "Bad": {"Type": "Fail", "Error": "Negative"},
            "Ok": {"Type": "Succeed"},
        },
    }
    assert output(run(chained(("Each", {"Type": "Map", "Iterator": iterator})), [])) == []
    described = run(chained(("Each", {"Type": "Map", "Iterator": iterator})), [1, -1, 2])
    assert (described["status"], described["error"]) == ("FAILED", "Negative")


def test_a_loop_without_end_fails_at_the_history_limit(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "MAX_EVENTS", 50)
    definition = {"StartAt": "Spin", "States": {"Spin": {"Type": "Pass", "Next": "Spin"}}}
    described = run(definition)
    assert (described["status"], described["error"]) == ("FAILED", "States.Runtime")


def test_execution_timeout(
    start: datetime, sfn: LocalStepFunctions, machine: MachineFactory, clock: VirtualClock
) -> None:
    definition = {
        "StartAt": "Hold",
        "TimeoutSeconds": 60,
        "States": {"Hold": {"Type": "Wait", "Seconds": 600, "End": True}},
    }
    execution = sfn.start_execution(machine(definition))["executionArn"]
    sfn.advance(timedelta(minutes=30))
    described = sfn.describe_execution(execution)
    assert (described["status"], described["error"]) == ("TIMED_OUT", "States.Timeout")
    assert described["stopDate"] == start + timedelta(seconds=60)
    assert history_types(sfn, execution)[-1] == "ExecutionTimedOut"
    assert clock.now() == start + timedelta(minutes=30)
