"""Options for simulators: no event history, a hook on every state entered, the current state in-process;
and the history's texts are those of the moment each event happened, whatever handlers do later."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from nurtureflow.clock import VirtualClock
from nurtureflow.local.stepfunctions import Execution, LambdaFunctionError, LocalStepFunctions
from nurtureflow.local.stepfunctions import engine as engine_module

START = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
ROLE = "arn:aws:iam::000000000000:role/sfn"
INVOKE = "arn:aws:states:::lambda:invoke"

# A wait, a retried task, a Parallel with a Map inside: states in branches and iterations, and a retry.
DEFINITION: dict[str, Any] = {
    "StartAt": "Hold",
    "States": {
        "Hold": {"Type": "Wait", "Seconds": 60, "Next": "Call"},
        "Call": {
            "Type": "Task",
            "Resource": INVOKE,
            "Parameters": {"FunctionName": "flaky", "Payload.$": "$"},
            "ResultSelector": {"value.$": "$.Payload"},
            "ResultPath": "$.called",
            "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 1}],
            "Next": "Both",
        },
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "Result": "left", "End": True}}},
                {
                    "StartAt": "Each",
                    "States": {
                        "Each": {
                            "Type": "Map",
                            "ItemsPath": "$.items",
                            "Iterator": {
                                "StartAt": "Item",
                                "States": {"Item": {"Type": "Pass", "End": True}},
                            },
                            "End": True,
                        }
                    },
                },
            ],
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def functions(**handlers: Callable[[Any], Any]) -> Callable[[str, Any], Any]:
    """A task invoker over handlers by function name."""
    return lambda name, payload: handlers[name](payload)


def service(**options: Any) -> tuple[LocalStepFunctions, str]:
    failures = iter([True, False])

    def flaky(payload: Any) -> Any:
        if next(failures, False):
            raise LambdaFunctionError("Boom", "first call fails")
        return {"seen": payload["items"]}

    sfn = LocalStepFunctions(functions(flaky=flaky), clock=VirtualClock(START), random=lambda: 0.5, **options)
    arn = sfn.create_state_machine("options", json.dumps(DEFINITION), ROLE)["stateMachineArn"]
    return sfn, str(arn)


def run_to_end(sfn: LocalStepFunctions, arn: str) -> str:
    execution = str(sfn.start_execution(arn, name="one", input=json.dumps({"items": [1, 2]}))["executionArn"])
    sfn.advance(timedelta(minutes=5))
    return execution


def entered_names(sfn: LocalStepFunctions, execution: str) -> list[str]:
    return [
        event["stateEnteredEventDetails"]["name"]
        for event in sfn.get_execution_history(execution)["events"]
        if event["type"].endswith("StateEntered")
    ]


def test_without_history_an_execution_keeps_no_events_but_runs_and_counts_the_same() -> None:
    with_history, arn = service()
    kept = run_to_end(with_history, arn)
    without_history, arn = service(history=False)
    bare = run_to_end(without_history, arn)

    assert without_history.get_execution_history(bare) == {"events": []}
    assert len(with_history.get_execution_history(kept)["events"]) > 20
    full, light = with_history.describe_execution(kept), without_history.describe_execution(bare)
    assert light["status"] == full["status"] == "SUCCEEDED"
    assert light["output"] == full["output"]
    assert light["nurtureflowTransitions"] == full["nurtureflowTransitions"] == 9  # 8 states entered, a retry
    assert without_history.get_execution(bare).transitions == 9


@pytest.mark.parametrize("history", [True, False])
def test_an_ended_execution_describes_the_same_whether_or_not_it_keeps_its_data(history: bool) -> None:
    """Without history (a forecast's 100,000 runs), an ended execution lets go of its parsed input and
    its last state's data; what DescribeExecution and the status-change event report stays whole."""
    sfn, arn = service(history=history)
    execution = run_to_end(sfn, arn)
    record = sfn.get_execution(execution)
    described = sfn.describe_execution(execution)

    assert json.loads(described["input"]) == {"items": [1, 2]}
    assert json.loads(described["output"])[0] == "left"  # the Parallel state's result
    assert record.status_change_detail()["input"] == described["input"]
    assert record.root is not None
    assert record.root.state_name == "Done"
    if history:
        assert record.input == {"items": [1, 2]}
    else:
        assert record.input is None
        assert (record.root.raw_input, record.root.effective_input) == (None, None)


def test_a_running_execution_without_history_keeps_its_input_for_the_context_object() -> None:
    sfn = LocalStepFunctions(functions(), clock=VirtualClock(START), history=False)
    definition = {
        "StartAt": "Hold",
        "States": {
            "Hold": {"Type": "Wait", "Seconds": 60, "Next": "Read"},
            "Read": {"Type": "Pass", "Parameters": {"first.$": "$$.Execution.Input.items[0]"}, "End": True},
        },
    }
    arn = sfn.create_state_machine("reads-input", json.dumps(definition), ROLE)["stateMachineArn"]
    execution = sfn.start_execution(arn, input=json.dumps({"items": [7]}))["executionArn"]
    sfn.run_due()
    assert sfn.get_execution(execution).input == {"items": [7]}
    sfn.advance(timedelta(seconds=60))
    assert json.loads(sfn.describe_execution(execution)["output"]) == {"first": 7}


def test_without_history_a_runaway_loop_still_stops_at_the_history_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine_module, "MAX_EVENTS", 50)
    sfn = LocalStepFunctions(functions(), clock=VirtualClock(START), history=False)
    definition = {"StartAt": "Spin", "States": {"Spin": {"Type": "Pass", "Next": "Spin"}}}
    arn = sfn.create_state_machine("spin", json.dumps(definition), ROLE)["stateMachineArn"]
    execution = sfn.start_execution(arn)["executionArn"]
    sfn.run_due()
    described = sfn.describe_execution(execution)
    assert (described["status"], described["error"]) == ("FAILED", "States.Runtime")


def test_on_state_entered_hears_every_state_entered_as_the_history_records_it() -> None:
    heard: list[tuple[Execution, str]] = []
    sfn, arn = service(on_state_entered=lambda execution, name: heard.append((execution, name)))
    execution = run_to_end(sfn, arn)

    assert [name for _, name in heard] == entered_names(sfn, execution)
    assert [name for _, name in heard] == ["Hold", "Call", "Both", "Left", "Each", "Item", "Item", "Done"]
    assert all(record is sfn.get_execution(execution) for record, _ in heard)


def test_on_state_entered_works_without_history() -> None:
    heard: list[str] = []
    sfn, arn = service(history=False, on_state_entered=lambda _execution, name: heard.append(name))
    run_to_end(sfn, arn)
    assert heard == ["Hold", "Call", "Both", "Left", "Each", "Item", "Item", "Done"]


@pytest.mark.parametrize("history", [True, False])
def test_get_execution_tells_the_state_the_execution_is_in(history: bool) -> None:
    sfn, arn = service(history=history)
    execution = str(sfn.start_execution(arn, input=json.dumps({"items": []}))["executionArn"])
    sfn.run_due()
    root = sfn.get_execution(execution).root
    assert root is not None
    assert root.state_name == "Hold"
    sfn.advance(timedelta(seconds=60))
    assert root.state_name == "Call"  # the first call failed; its retry is a second away
    sfn.advance(timedelta(seconds=1))
    assert (root.state_name, sfn.get_execution(execution).status) == ("Done", "SUCCEEDED")


def test_the_history_keeps_the_texts_of_the_moment_whatever_handlers_do_later() -> None:
    """A handler may change the payload it was given, or the result it gave, after the fact."""
    kept: list[Any] = []

    def meddling(payload: Any) -> Any:
        result = {"n": len(kept)}
        for earlier_payload, earlier_result in kept:
            earlier_payload["meddled"] = True
            earlier_result["meddled"] = True
        kept.append((payload, result))
        return result

    task = {"Type": "Task", "Resource": INVOKE, "Parameters": {"FunctionName": "meddling", "Payload.$": "$"}}
    definition = {
        "StartAt": "First",
        "States": {
            "First": {
                **task,
                "ResultSelector": {"n.$": "$.Payload.n"},
                "ResultPath": "$.first",
                "Next": "Second",
            },
            "Second": {**task, "OutputPath": "$.Payload", "End": True},
        },
    }
    sfn = LocalStepFunctions(functions(meddling=meddling), clock=VirtualClock(START))
    arn = sfn.create_state_machine("meddled", json.dumps(definition), ROLE)["stateMachineArn"]
    execution = sfn.start_execution(arn, input=json.dumps({"a": 1}))["executionArn"]
    sfn.run_due()
    for payload, result in kept:  # long after the calls returned
        payload["late"] = result["late"] = True

    events = sfn.get_execution_history(execution)["events"]
    texts = [
        json.loads(details[key])
        for event in events
        for details in [event.get("stateEnteredEventDetails") or event.get("stateExitedEventDetails") or {}]
        for key in ("input", "output")
        if key in details
    ]
    assert texts == [{"a": 1}, {"a": 1, "first": {"n": 0}}, {"a": 1, "first": {"n": 0}}, {"n": 1}]
    scheduled = [
        json.loads(e["taskScheduledEventDetails"]["parameters"])
        for e in events
        if "taskScheduledEventDetails" in e
    ]
    assert [parameters["Payload"] for parameters in scheduled] == [{"a": 1}, {"a": 1, "first": {"n": 0}}]
    assert json.loads(sfn.describe_execution(execution)["output"]) == {"n": 1}


def test_reading_the_history_twice_gives_equal_events_that_callers_may_change() -> None:
    sfn, arn = service()
    execution = run_to_end(sfn, arn)
    first = sfn.get_execution_history(execution)["events"]
    first[1]["stateEnteredEventDetails"]["inputDetails"]["truncated"] = True
    first[1]["stateEnteredEventDetails"]["name"] = "changed"
    second = sfn.get_execution_history(execution)["events"]
    assert second[1]["stateEnteredEventDetails"] == {
        "name": "Hold",
        "input": '{"items":[1,2]}',
        "inputDetails": {"truncated": False},
    }
