"""The own work of each state type; the engine runs the shared lifecycle around it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from .choice import choose
from .errors import RUNTIME, StatesError
from .fanout import start_map, start_parallel
from .paths import query, resolve_dynamic
from .runs import PENDING, Done, Outcome, Run, Runtime, StateType
from .tasks import start_task, waits_for_token
from .timestamps import parse_timestamp

MAX_WAIT_SECONDS = 99_999_999


def _pass(runtime: Runtime, run: Run, state: Mapping[str, Any], data: Any) -> Outcome:
    return Done(state.get("Result", data))


def _choice(runtime: Runtime, run: Run, state: Mapping[str, Any], data: Any) -> Outcome:
    return Done(data, next_state=choose(state, data, runtime.context(run)))


def _succeed(runtime: Runtime, run: Run, state: Mapping[str, Any], data: Any) -> Outcome:
    return Done(data)


def _fail(runtime: Runtime, run: Run, state: Mapping[str, Any], data: Any) -> Outcome:
    context = runtime.context(run)
    error = state.get("Error")
    if "ErrorPath" in state:
        error = resolve_dynamic("ErrorPath", state["ErrorPath"], data, context)
    cause = state.get("Cause")
    if "CausePath" in state:
        cause = resolve_dynamic("CausePath", state["CausePath"], data, context)
    raise StatesError("" if error is None else str(error), None if cause is None else str(cause))


def _wait(runtime: Runtime, run: Run, state: Mapping[str, Any], data: Any) -> Outcome:
    due = max(wait_until(state, data, runtime.now(), runtime.context(run)), runtime.now())
    runtime.wake_at(due, run, runtime.complete, run, data)
    return PENDING


def wait_until(state: Mapping[str, Any], data: Any, now: datetime, context: Any) -> datetime:
    """When a Wait state's wait ends (a moment in the past means "go on at once")."""
    if "Seconds" in state or "SecondsPath" in state:
        seconds = state["Seconds"] if "Seconds" in state else query(state["SecondsPath"], data, context)
        if not isinstance(seconds, int) or isinstance(seconds, bool) or not 0 <= seconds <= MAX_WAIT_SECONDS:
            raise StatesError(
                RUNTIME, f"Wait seconds must be an integer from 0 to {MAX_WAIT_SECONDS}: {seconds}"
            )
        return now + timedelta(seconds=seconds)
    stamp = state["Timestamp"] if "Timestamp" in state else query(state["TimestampPath"], data, context)
    moment = parse_timestamp(stamp)
    if moment is None:
        raise StatesError(RUNTIME, f"Wait timestamp must be an RFC3339 timestamp: {stamp}")
    return moment


STATE_TYPES: dict[str, StateType] = {
    "Pass": StateType(_pass, has_result=True, takes_parameters=True),
    "Task": StateType(start_task, has_result=True, takes_parameters=True, needs_token=waits_for_token),
    "Choice": StateType(_choice),
    "Wait": StateType(_wait),
    "Succeed": StateType(_succeed),
    "Fail": StateType(_fail),
    "Parallel": StateType(start_parallel, has_result=True, takes_parameters=True),
    "Map": StateType(start_map, has_result=True),
}
