"""Distributed Map states: child executions, map runs in the parent's history, tolerated failures."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from nurtureflow.local.stepfunctions import InvalidDefinition, LambdaFunctionError, LocalStepFunctions

Chain = Callable[..., dict[str, Any]]
MachineFactory = Callable[..., str]
Output = Callable[[dict[str, Any]], Any]

DISTRIBUTED = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}


def _each(processor: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A Distributed Map over ``$.items`` whose failure is caught into ``$.failure``."""
    return {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemSelector": {"n.$": "$$.Map.Item.Value", "tag.$": "$.tag"},
        "ItemProcessor": {"ProcessorConfig": DISTRIBUTED, **processor},
        "ResultPath": "$.results",
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Caught"}],
        "Next": "Done",
        **fields,
    }


def _machine(each: dict[str, Any]) -> dict[str, Any]:
    return {
        "StartAt": "Each",
        "States": {"Each": each, "Done": {"Type": "Succeed"}, "Caught": {"Type": "Succeed"}},
    }


def _checker(invoker: Any) -> dict[str, Any]:
    """A child: a Lambda task that fails for negative numbers (a function error, not retried)."""

    def check(payload: dict[str, Any]) -> dict[str, Any]:
        if payload["n"] < 0:
            raise LambdaFunctionError("NegativeError", "negative")
        return {"double": payload["n"] * 2, "execution": payload["execution"]}

    invoker.functions["check"] = check
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {
            "FunctionName": "arn:aws:lambda:us-east-1:000000000000:function:check",
            "Payload": {"n.$": "$.n", "execution.$": "$$.Execution.Id"},
        },
        "OutputPath": "$.Payload",
        "End": True,
    }
    return {"StartAt": "Check", "States": {"Check": task}}


def _start(sfn: LocalStepFunctions, arn: str, items: list[int]) -> str:
    execution = sfn.start_execution(arn, input=json.dumps({"items": items, "tag": "t"}))["executionArn"]
    sfn.run_due()
    return str(execution)


def _types(sfn: LocalStepFunctions, execution: str) -> list[str]:
    return [event["type"] for event in sfn.get_execution_history(execution)["events"]]


def _map_run(sfn: LocalStepFunctions, execution: str) -> str:
    [started] = [e for e in sfn.get_execution_history(execution)["events"] if e["type"] == "MapRunStarted"]
    return str(started["mapRunStartedEventDetails"]["mapRunArn"])


def test_each_item_runs_as_a_child_execution_and_the_parent_history_records_the_map_run_only(
    sfn: LocalStepFunctions, machine: MachineFactory, invoker: Any, output: Output
) -> None:
    arn = machine(_machine(_each(_checker(invoker), MaxConcurrency=2)))
    few, many = _start(sfn, arn, [1, 2]), _start(sfn, arn, list(range(40)))
    described = sfn.describe_execution(many)
    assert described["status"] == "SUCCEEDED"
    results = output(described)["results"]
    assert [r["double"] for r in results] == [2 * n for n in range(40)]
    # The parent's history does not grow with the items: the children keep their own.
    assert _types(sfn, few) == _types(sfn, many)
    assert _types(sfn, many) == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "SucceedStateEntered",
        "SucceedStateExited",
        "ExecutionSucceeded",
    ]
    child = results[0]["execution"]
    assert child.startswith("arn:aws:states:us-east-1:000000000000:execution:machine-0/Each:")
    assert _types(sfn, child) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    assert sfn.describe_execution(child)["nurtureflowTransitions"] == 1
    # ListExecutions lists a machine's own executions; the children under their map run.
    assert {e["executionArn"] for e in sfn.list_executions(arn)["executions"]} == {few, many}
    map_run = _map_run(sfn, many)
    assert map_run.startswith("arn:aws:states:us-east-1:000000000000:mapRun:machine-0/Each:")
    children = sfn.list_executions(None, map_run_arn=map_run, max_results=100)["executions"]
    assert len(children) == 40
    assert {c["status"] for c in children} == {"SUCCEEDED"}


def test_max_concurrency_bounds_the_children_running_at_once(
    sfn: LocalStepFunctions, machine: MachineFactory, output: Output
) -> None:
    pause = {"StartAt": "Pause", "States": {"Pause": {"Type": "Wait", "Seconds": 10, "End": True}}}
    arn = machine(_machine(_each(pause, MaxConcurrency=2)))
    execution = _start(sfn, arn, [1, 2, 3, 4, 5])
    sfn.advance(timedelta(seconds=29))
    assert sfn.describe_execution(execution)["status"] == "RUNNING"
    sfn.advance(timedelta(seconds=1))
    assert output(sfn.describe_execution(execution))["results"] == [{"n": n, "tag": "t"} for n in range(1, 6)]


def test_a_failing_child_fails_the_map_run_with_the_tolerance_error_and_stops_the_others(
    sfn: LocalStepFunctions, machine: MachineFactory, invoker: Any, output: Output
) -> None:
    arn = machine(_machine(_each(_checker(invoker), MaxConcurrency=1)))
    execution = _start(sfn, arn, [1, -1, 2, 3])
    described = sfn.describe_execution(execution)
    assert described["status"] == "SUCCEEDED"
    failure = output(described)["failure"]
    assert failure["Error"] == "States.ExceedToleratedFailureThreshold"
    types = _types(sfn, execution)
    assert "MapRunFailed" in types
    assert types[types.index("MapRunFailed") + 1 : types.index("MapRunFailed") + 3] == [
        "MapStateFailed",
        "MapStateExited",
    ]
    # Items after the failure never ran (MaxConcurrency 1: the map run stopped at the failure).
    assert [payload["n"] for name, payload in invoker.calls if name == "check"] == [1, -1]


def test_failures_within_the_tolerance_leave_the_map_run_succeeding(
    sfn: LocalStepFunctions, machine: MachineFactory, invoker: Any, output: Output
) -> None:
    counted = machine(_machine(_each(_checker(invoker), ToleratedFailureCount=1)))
    described = sfn.describe_execution(_start(sfn, counted, [1, -1, 2]))
    results = output(described)["results"]
    assert results[1]["Error"] == "NegativeError"
    assert [results[0]["double"], results[2]["double"]] == [2, 4]
    assert sfn.describe_execution(_start(sfn, counted, [-1, -2, 2]))["output"].count("ExceedTolerated") == 1
    percent = machine(_machine(_each(_checker(invoker), ToleratedFailurePercentage=50)))
    assert "failure" not in output(sfn.describe_execution(_start(sfn, percent, [-1, 1, -2, 2])))
    assert "failure" in output(sfn.describe_execution(_start(sfn, percent, [-1, -2, -3, 2])))


def test_stopping_the_parent_stops_its_children(sfn: LocalStepFunctions, machine: MachineFactory) -> None:
    pause = {"StartAt": "Pause", "States": {"Pause": {"Type": "Wait", "Seconds": 60, "End": True}}}
    arn = machine(_machine(_each(pause)))
    execution = _start(sfn, arn, [1, 2])
    map_run = _map_run(sfn, execution)
    sfn.stop_execution(execution)
    children = sfn.list_executions(None, map_run_arn=map_run)["executions"]
    assert [c["status"] for c in children] == ["ABORTED", "ABORTED"]
    sfn.advance(timedelta(minutes=2))
    assert sfn.describe_execution(execution)["status"] == "ABORTED"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject"}}, "ItemReader is not"),
        ({"ResultWriter": {"Resource": "arn:aws:states:::s3:putObject"}}, "ResultWriter is not"),
        ({"ItemBatcher": {"MaxItemsPerBatch": 10}}, "ItemBatcher is not"),
        ({"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}}}, "a DISTRIBUTED Map needs"),
        ({"ItemProcessor": {"ProcessorConfig": {"Mode": "SIDEWAYS"}}}, "Mode must be"),
    ],
)
def test_what_the_runtime_does_not_run_is_refused_when_the_machine_is_created(
    sfn: LocalStepFunctions, machine: MachineFactory, change: dict[str, Any], message: str
) -> None:
    each = _each({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    if "ItemProcessor" in change:
        change = {"ItemProcessor": {**each["ItemProcessor"], **change["ItemProcessor"]}}
    with pytest.raises(InvalidDefinition, match=f"SCHEMA_VALIDATION_FAILED: {message}"):
        machine(_machine({**each, **change}))


def test_an_inline_map_refuses_distributed_only_fields(machine: MachineFactory) -> None:
    inline = {
        "Type": "Map",
        "ToleratedFailureCount": 1,
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
        "End": True,
    }
    with pytest.raises(InvalidDefinition, match="belong to DISTRIBUTED"):
        machine({"StartAt": "Each", "States": {"Each": inline}})
