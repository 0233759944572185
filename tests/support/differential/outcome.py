"""What a run did, read from GetExecutionHistory the same way for both engines."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

CALLBACK_SUFFIX = ".waitForTaskToken"


@dataclass(frozen=True)
class Outcome:
    """What the differential tests compare. ``error`` but not the cause: causes are free text."""

    states: tuple[str, ...]  # the states entered, in order
    status: str
    output: Any  # the parsed output of a SUCCEEDED run, else None
    error: str | None
    transitions: int  # as AWS bills them: every state entered and every retry attempt
    calls: tuple[str, ...]  # the task states, once per TaskScheduled (every attempt), in order


@dataclass(frozen=True)
class IssuedToken:
    state: str
    index: int  # how many tokens this state had issued before this one
    value: str


def outcome_from(description: dict[str, Any], events: list[dict[str, Any]], transitions: int) -> Outcome:
    output = description.get("output")
    return Outcome(
        states=states_entered(events),
        status=str(description["status"]),
        output=json.loads(output) if output is not None and description["status"] == "SUCCEEDED" else None,
        error=description.get("error"),
        transitions=transitions,
        calls=tuple(task_calls(events)),
    )


def states_entered(events: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(
        event["stateEnteredEventDetails"]["name"]
        for event in events
        if event["type"].endswith("StateEntered")
    )


def billed_transitions(events: list[dict[str, Any]]) -> int:
    """One per state entered, plus one per retry: each TaskScheduled after the first of a state's entry.

    (Only task states are retried in compiled workflows; retries of other states would not show here.)
    """
    transitions = scheduled_in_entry = 0
    for event in events:
        if event["type"].endswith("StateEntered"):
            transitions, scheduled_in_entry = transitions + 1, 0
        elif event["type"] == "TaskScheduled":
            transitions += scheduled_in_entry > 0
            scheduled_in_entry += 1
    return transitions


def task_calls(events: list[dict[str, Any]]) -> list[str]:
    """The state each TaskScheduled event belongs to (no Parallel or Map: the last state entered)."""
    calls, current = [], ""
    for event in events:
        if event["type"].endswith("StateEntered"):
            current = event["stateEnteredEventDetails"]["name"]
        elif event["type"] == "TaskScheduled":
            calls.append(current)
    return calls


def issued_tokens(events: list[dict[str, Any]]) -> list[IssuedToken]:
    """The task tokens of callback tasks, in order; the token travels in the Payload's ``token`` field
    (``"token.$": "$$.Task.Token"``, as compiled), which TaskScheduled records resolved."""
    issued: list[IssuedToken] = []
    current = ""
    for event in events:
        if event["type"].endswith("StateEntered"):
            current = event["stateEnteredEventDetails"]["name"]
        elif event["type"] == "TaskScheduled":
            details = event["taskScheduledEventDetails"]
            if details["resource"].endswith(CALLBACK_SUFFIX):
                token = json.loads(details["parameters"])["Payload"]["token"]
                index = sum(1 for earlier in issued if earlier.state == current)
                issued.append(IssuedToken(current, index, token))
    return issued
