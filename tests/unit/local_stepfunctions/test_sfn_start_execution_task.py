"""The ``states:startExecution`` task: an execution starting another in the same runtime."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from nurtureflow.local.stepfunctions import LocalStepFunctions

MachineFactory = Callable[..., str]
Output = Callable[[dict[str, Any]], Any]

START = "arn:aws:states:::states:startExecution"


def _relay(name_path: str = "$.name") -> dict[str, Any]:
    """A machine that starts a successor of itself (``$$.StateMachine.Id``) unless it is the last."""
    return {
        "StartAt": "Last",
        "States": {
            "Last": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.left", "NumericEquals": 0, "Next": "Done"}],
                "Default": "Successor",
            },
            "Successor": {
                "Type": "Task",
                "Resource": START,
                "Parameters": {
                    "StateMachineArn.$": "$$.StateMachine.Id",
                    "Name.$": "States.Format('relay-{}', States.MathAdd($.generation, 1))",
                    "Input": {
                        "left.$": "States.MathAdd($.left, -1)",
                        "generation.$": "States.MathAdd($.generation, 1)",
                        "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id",
                    },
                },
                "ResultPath": "$.started",
                "Catch": [
                    {
                        "ErrorEquals": ["StepFunctions.ExecutionAlreadyExistsException"],
                        "ResultPath": "$.already",
                        "Next": "Done",
                    }
                ],
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }


def test_a_machine_starts_its_named_successor_which_runs_in_the_same_runtime(
    sfn: LocalStepFunctions, machine: MachineFactory, output: Output
) -> None:
    arn = machine(_relay(), name="relay")
    first = sfn.start_execution(arn, name="relay-0", input=json.dumps({"left": 3, "generation": 0}))
    sfn.run_due()
    names = sorted(e["name"] for e in sfn.list_executions(arn)["executions"])
    assert names == ["relay-0", "relay-1", "relay-2", "relay-3"]
    started = output(sfn.describe_execution(first["executionArn"]))["started"]
    assert started["ExecutionArn"] == arn.replace(":stateMachine:", ":execution:") + ":relay-1"
    assert isinstance(started["StartDate"], int)
    second = json.loads(sfn.describe_execution(started["ExecutionArn"])["input"])
    assert second == {
        "left": 2,
        "generation": 1,
        "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": first["executionArn"],
    }
    types = [e["type"] for e in sfn.get_execution_history(first["executionArn"])["events"]]
    assert types[3:7] == ["TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded"]
    scheduled = sfn.get_execution_history(first["executionArn"])["events"][4]["taskScheduledEventDetails"]
    assert (scheduled["resourceType"], scheduled["resource"]) == ("states", "startExecution")


def test_a_repeated_start_of_a_running_execution_returns_it_and_of_a_closed_one_is_an_error(
    sfn: LocalStepFunctions, machine: MachineFactory, output: Output
) -> None:
    hold = {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 60, "End": True}}}
    target = machine(hold, name="target")
    start = {
        "Type": "Task",
        "Resource": START,
        "Parameters": {"StateMachineArn": target, "Name": "once", "Input": {"n": 1}},
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Refused"}],
        "End": True,
    }
    starter = machine({"StartAt": "Start", "States": {"Start": start, "Refused": {"Type": "Succeed"}}})
    first = sfn.start_execution(starter, input="{}")["executionArn"]
    again = sfn.start_execution(starter, input="{}")["executionArn"]
    sfn.run_due()
    assert output(sfn.describe_execution(first)) == output(sfn.describe_execution(again))
    assert len(sfn.list_executions(target)["executions"]) == 1
    sfn.advance(timedelta(minutes=2))  # "once" ends
    late = sfn.start_execution(starter, input="{}")["executionArn"]
    sfn.run_due()
    refused = output(sfn.describe_execution(late))
    assert refused["Error"] == "StepFunctions.ExecutionAlreadyExistsException"


def test_an_unknown_state_machine_fails_the_task_with_the_sdk_error_name(
    sfn: LocalStepFunctions, machine: MachineFactory
) -> None:
    start = {
        "Type": "Task",
        "Resource": START,
        "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:000000000000:stateMachine:nope"},
        "End": True,
    }
    arn = machine({"StartAt": "Start", "States": {"Start": start}})
    execution = sfn.start_execution(arn, input="{}")["executionArn"]
    sfn.run_due()
    described = sfn.describe_execution(execution)
    assert (described["status"], described["error"]) == (
        "FAILED",
        "StepFunctions.StateMachineDoesNotExistException",
    )


def test_the_sync_pattern_is_not_run_locally(sfn: LocalStepFunctions, machine: MachineFactory) -> None:
    start = {
        "Type": "Task",
        "Resource": START + ".sync:2",
        "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:000000000000:stateMachine:x"},
        "End": True,
    }
    execution = sfn.start_execution(machine({"StartAt": "S", "States": {"S": start}}), input="{}")
    sfn.run_due()
    described = sfn.describe_execution(execution["executionArn"])
    assert (described["status"], described["error"]) == ("FAILED", "States.Runtime")
