"""The API: state machines, versions, executions (idempotent start, stop, list), status events, driving."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from nurtureflow.clock import VirtualClock
from nurtureflow.local.stepfunctions import (
    ExecutionAlreadyExists,
    ExecutionDoesNotExist,
    InvalidArn,
    InvalidDefinition,
    InvalidExecutionInput,
    InvalidName,
    LocalStepFunctions,
    StateMachineAlreadyExists,
    StateMachineDoesNotExist,
)

MachineFactory = Callable[..., str]
Output = Callable[[dict[str, Any]], Any]
ROLE = "arn:aws:iam::000000000000:role/sfn"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def waiting(seconds: int, result: Any = "done") -> dict[str, Any]:
    """Wait, then a Pass whose Result tells which definition ran."""
    return {
        "StartAt": "Hold",
        "States": {
            "Hold": {"Type": "Wait", "Seconds": seconds, "Next": "Mark"},
            "Mark": {"Type": "Pass", "Result": result, "End": True},
        },
    }


def test_state_machine_lifecycle(sfn: LocalStepFunctions, start: datetime) -> None:
    text = json.dumps(waiting(1))
    created = sfn.create_state_machine("welcome", text, ROLE)
    assert created == {
        "stateMachineArn": "arn:aws:states:us-east-1:000000000000:stateMachine:welcome",
        "creationDate": start,
    }
    assert sfn.create_state_machine("welcome", text, ROLE) == created  # identical: idempotent
    with pytest.raises(StateMachineAlreadyExists):
        sfn.create_state_machine("welcome", json.dumps(waiting(2)), ROLE)
    described = sfn.describe_state_machine(created["stateMachineArn"])
    assert (described["name"], described["definition"], described["roleArn"]) == ("welcome", text, ROLE)
    assert described["type"] == "STANDARD"
    assert [m["name"] for m in sfn.list_state_machines()["stateMachines"]] == ["welcome"]
    assert sfn.delete_state_machine(created["stateMachineArn"]) == {}
    with pytest.raises(StateMachineDoesNotExist):
        sfn.describe_state_machine(created["stateMachineArn"])


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ("{not json", "INVALID_JSON_DESCRIPTION"),
        (
            json.dumps({"StartAt": "Nowhere", "States": {"A": {"Type": "Succeed"}}}),
            "'StartAt' target: Nowhere",
        ),
        (json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}), "'Next' target: B"),
        (json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}), "exactly one of 'Next' or 'End'"),
        (json.dumps({"StartAt": "A", "States": {"A": {"Type": "Nope", "End": True}}}), "Type must be"),
        (
            json.dumps(
                {
                    "StartAt": "A",
                    "States": {
                        "A": {
                            "Type": "Task",
                            "Resource": "x",
                            "End": True,
                            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Z"}],
                        }
                    },
                }
            ),
            "/States/A/Catch[0]/Next",
        ),
        (
            json.dumps(
                {
                    "StartAt": "A",
                    "States": {"A": {"Type": "Pass", "Parameters": {"x.$": "States.Format("}, "End": True}},
                }
            ),
            "/States/A/Parameters/x.$",
        ),
        (
            json.dumps(
                {
                    "StartAt": "P",
                    "States": {
                        "P": {
                            "Type": "Parallel",
                            "End": True,
                            "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Gone"}}}],
                        }
                    },
                }
            ),
            "/States/P/Branches[0]/States/A/Next",
        ),
    ],
)
def test_invalid_definitions_say_what_is_wrong(
    sfn: LocalStepFunctions, definition: str, message: str
) -> None:
    with pytest.raises(InvalidDefinition, match=re.escape(message)):
        sfn.create_state_machine("bad", definition, ROLE)


def test_start_execution_names_arns_and_input_checks(
    sfn: LocalStepFunctions, machine: MachineFactory
) -> None:
    arn = machine(waiting(1), name="flow")
    started = sfn.start_execution(arn)
    name = started["executionArn"].rsplit(":", 1)[1]
    assert UUID.match(name)
    assert started["executionArn"] == f"arn:aws:states:us-east-1:000000000000:execution:flow:{name}"
    with pytest.raises(InvalidExecutionInput):
        sfn.start_execution(arn, input="{oops")
    with pytest.raises(InvalidName):
        sfn.start_execution(arn, name="has space")
    with pytest.raises(StateMachineDoesNotExist):
        sfn.start_execution(arn + "-missing")
    with pytest.raises(InvalidArn):
        sfn.start_execution("arn:aws:lambda:us-east-1:0:function:f")
    with pytest.raises(ExecutionDoesNotExist):
        sfn.describe_execution(started["executionArn"] + "x")


def test_idempotent_start(sfn: LocalStepFunctions, machine: MachineFactory, clock: VirtualClock) -> None:
    arn = machine(waiting(60))
    first = sfn.start_execution(arn, name="once", input='{"a": 1}')
    clock.advance(timedelta(seconds=5))
    assert sfn.start_execution(arn, name="once", input='{"a": 1}') == first  # same name, input, still running
    with pytest.raises(ExecutionAlreadyExists):
        sfn.start_execution(arn, name="once", input='{"a": 2}')
    sfn.advance(timedelta(minutes=2))
    assert sfn.describe_execution(first["executionArn"])["status"] == "SUCCEEDED"
    with pytest.raises(ExecutionAlreadyExists):
        sfn.start_execution(arn, name="once", input='{"a": 1}')  # closed: the name stays taken
    assert len(sfn.list_executions(arn)["executions"]) == 1


def test_versions_run_their_own_definition_and_running_executions_keep_theirs(
    sfn: LocalStepFunctions, output: Output
) -> None:
    created = sfn.create_state_machine("versioned", json.dumps(waiting(60, "v1")), ROLE, publish=True)
    arn, v1 = created["stateMachineArn"], created["stateMachineVersionArn"]
    assert v1 == f"{arn}:1"
    running = sfn.start_execution(arn, name="before-update")["executionArn"]
    sfn.run_due()
    updated = sfn.update_state_machine(arn, definition=json.dumps(waiting(60, "v2")), publish=True)
    assert updated["stateMachineVersionArn"] == f"{arn}:2"
    assert sfn.publish_state_machine_version(arn)["stateMachineVersionArn"] == f"{arn}:2"  # nothing new
    on_v1 = sfn.start_execution(v1, name="pinned")["executionArn"]
    latest = sfn.start_execution(arn, name="latest")["executionArn"]
    assert on_v1.endswith(":execution:versioned:pinned")
    sfn.advance(timedelta(minutes=1))
    assert [output(sfn.describe_execution(e)) for e in (running, on_v1, latest)] == ["v1", "v1", "v2"]
    assert sfn.describe_execution(on_v1)["stateMachineVersionArn"] == v1
    assert [e["name"] for e in sfn.list_executions(v1)["executions"]] == ["pinned"]
    assert json.loads(sfn.describe_state_machine(v1)["definition"]) == waiting(60, "v1")
    versions = sfn.list_state_machine_versions(arn)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in versions] == [f"{arn}:2", v1]


def test_deleting_a_machine_stops_its_executions(
    sfn: LocalStepFunctions, machine: MachineFactory, ended: list[dict[str, Any]]
) -> None:
    arn = machine(waiting(60))
    execution = sfn.start_execution(arn)["executionArn"]
    sfn.run_due()
    sfn.delete_state_machine(arn)
    sfn.advance(timedelta(minutes=5))
    assert sfn.describe_execution(execution)["status"] == "ABORTED"
    assert [event["status"] for event in ended] == ["ABORTED"]


def test_list_executions_filters_newest_first_and_pages(
    sfn: LocalStepFunctions, machine: MachineFactory
) -> None:
    arn = machine(waiting(30))
    for number in range(5):
        sfn.start_execution(arn, name=f"run-{number}")
        sfn.advance(timedelta(seconds=10))  # by the end the first three have waited their 30 seconds
    assert [e["name"] for e in sfn.list_executions(arn, status_filter="SUCCEEDED")["executions"]] == [
        "run-2",
        "run-1",
        "run-0",
    ]
    first = sfn.list_executions(arn, max_results=2)
    assert [e["name"] for e in first["executions"]] == ["run-4", "run-3"]
    rest = sfn.list_executions(arn, max_results=2, next_token=first["nextToken"])
    assert [e["name"] for e in rest["executions"]] == ["run-2", "run-1"]


def test_status_events_fire_once_per_ended_execution(
    sfn: LocalStepFunctions, machine: MachineFactory, ended: list[dict[str, Any]], start: datetime
) -> None:
    succeeds = sfn.start_execution(machine(waiting(10)), name="ok", input='{"k": 1}')["executionArn"]
    fails = sfn.start_execution(machine({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}))
    times_out = {
        "StartAt": "W",
        "TimeoutSeconds": 5,
        "States": {"W": {"Type": "Wait", "Seconds": 50, "End": True}},
    }
    sfn.start_execution(machine(times_out))
    stopped = sfn.start_execution(machine(waiting(100)))["executionArn"]
    sfn.run_due()
    sfn.stop_execution(stopped)
    sfn.advance(timedelta(minutes=10))
    sfn.advance(timedelta(minutes=10))
    assert [event["status"] for event in ended] == ["FAILED", "ABORTED", "TIMED_OUT", "SUCCEEDED"]
    assert ended[0]["executionArn"] == fails["executionArn"]
    assert ended[0]["error"] == "E"
    assert ended[-1] == {
        "executionArn": succeeds,
        "stateMachineArn": sfn.describe_execution(succeeds)["stateMachineArn"],
        "name": "ok",
        "status": "SUCCEEDED",
        "startDate": int(start.timestamp() * 1000),
        "stopDate": int(start.timestamp() * 1000) + 10_000,
        "input": '{"k": 1}',
        "output": '"done"',
        "error": None,
        "cause": None,
    }


def test_advance_runs_timers_in_virtual_time_order(
    sfn: LocalStepFunctions, machine: MachineFactory, clock: VirtualClock, start: datetime
) -> None:
    finished: list[tuple[str, timedelta]] = []
    sfn.add_status_listener(lambda event: finished.append((event["name"], clock.now() - start)))
    for name, seconds in (("slow", 30), ("fast", 10), ("middle", 20)):
        sfn.start_execution(machine(waiting(seconds)), name=name)
    assert sfn.run_due() == 3  # each execution's first state; every Wait is still pending
    assert finished == []
    sfn.advance(timedelta(minutes=1))
    assert finished == [
        ("fast", timedelta(seconds=10)),
        ("middle", timedelta(seconds=20)),
        ("slow", timedelta(seconds=30)),
    ]
    assert clock.now() == start + timedelta(minutes=1)
    assert sfn.next_due() is None


def test_a_broken_listener_does_not_stop_the_runtime(
    sfn: LocalStepFunctions, machine: MachineFactory
) -> None:
    def broken(event: dict[str, Any]) -> None:
        raise RuntimeError("listener bug")

    sfn.add_status_listener(broken)
    execution = sfn.start_execution(machine({"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}))
    sfn.run_due()
    assert sfn.describe_execution(execution["executionArn"])["status"] == "SUCCEEDED"


def test_api_calls_from_other_threads_while_driving(sfn: LocalStepFunctions, machine: MachineFactory) -> None:
    arn = machine({"StartAt": "S", "States": {"S": {"Type": "Pass", "Next": "T"}, "T": {"Type": "Succeed"}}})
    started: list[str] = []
    errors: list[BaseException] = []

    def starter(prefix: str) -> None:
        try:
            for number in range(40):
                started.append(sfn.start_execution(arn, name=f"{prefix}-{number}")["executionArn"])
                sfn.run_due()  # returns at once if another thread drives; that driver takes the new work
        except BaseException as error:  # surfaced below: a thread's failure must fail the test
            errors.append(error)

    threads = [threading.Thread(target=starter, args=(prefix,)) for prefix in ("a", "b")]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        sfn.run_due()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    assert {sfn.describe_execution(execution)["status"] for execution in started} == {"SUCCEEDED"}
    assert len(sfn.list_executions(arn)["executions"]) == 80
