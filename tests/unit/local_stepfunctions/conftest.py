"""Fixtures for the local Step Functions runtime: a virtual clock, a fake Lambda invoker, a service."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from nurtureflow.clock import VirtualClock
from nurtureflow.local.stepfunctions import LocalStepFunctions

START = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
ROLE = "arn:aws:iam::000000000000:role/sfn"


class FakeInvoker:
    """A task invoker over a dict of function name -> Python function; remembers every call."""

    def __init__(self) -> None:
        self.functions: dict[str, Callable[[Any], Any]] = {}
        self.calls: list[tuple[str, Any]] = []

    def __call__(self, function_name: str, payload: Any) -> Any:
        self.calls.append((function_name, payload))
        return self.functions[function_name](payload)


@pytest.fixture
def start() -> datetime:
    """When every test's virtual clock starts."""
    return START


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def invoker() -> FakeInvoker:
    return FakeInvoker()


@pytest.fixture
def ended() -> list[dict[str, Any]]:
    """Status-change events the service reported, in order."""
    return []


@pytest.fixture
def sfn(clock: VirtualClock, invoker: FakeInvoker, ended: list[dict[str, Any]]) -> LocalStepFunctions:
    return LocalStepFunctions(invoker, clock=clock, on_status_change=ended.append, random=lambda: 0.5)


MachineFactory = Callable[..., str]


@pytest.fixture
def machine(sfn: LocalStepFunctions) -> MachineFactory:
    """Create a state machine from a definition dict (or a single-state shorthand); returns its ARN."""
    counter = iter(range(1_000_000))

    def create(definition: dict[str, Any], name: str | None = None) -> str:
        text = json.dumps(definition)
        created = sfn.create_state_machine(name or f"machine-{next(counter)}", text, ROLE)
        return str(created["stateMachineArn"])

    return create


Runner = Callable[..., dict[str, Any]]


@pytest.fixture
def run(sfn: LocalStepFunctions, machine: MachineFactory) -> Runner:
    """Create a machine, start it with ``data`` as input, run what is due now; returns DescribeExecution."""

    def start(definition: dict[str, Any], data: Any = None, name: str | None = None) -> dict[str, Any]:
        arn = machine(definition)
        execution = sfn.start_execution(arn, name=name, input=json.dumps({} if data is None else data))
        sfn.run_due()
        return sfn.describe_execution(execution["executionArn"])

    return start


def chain(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """A definition running the given (name, state) pairs in order; the last one ends (unless it can't)."""
    names = [name for name, _ in states]
    built: dict[str, Any] = {}
    for position, (name, state) in enumerate(states):
        state = dict(state)
        if state["Type"] not in ("Choice", "Succeed", "Fail") and "Next" not in state and "End" not in state:
            if position + 1 < len(states):
                state["Next"] = names[position + 1]
            else:
                state["End"] = True
        built[name] = state
    return {"StartAt": names[0], "States": built}


@pytest.fixture
def chained() -> Callable[..., dict[str, Any]]:
    return chain


def output_of(description: dict[str, Any]) -> Any:
    return json.loads(description["output"])


@pytest.fixture
def output() -> Callable[[dict[str, Any]], Any]:
    return output_of
