"""The own work of each state type; the engine runs the shared lifecycle around it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from .choice import choose
from .errors import RUNTIME, StatesError
from .fanout import start_map, start_parallel
from .paths import query, resolve_dynamic, to_json
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
    """When a Wait state's wait ends (a moment in the past means "go on at once"); AWS's States.Runtime
    texts when the state's field or path gives no usable value."""
    if "Seconds" in state:
        return now + timedelta(seconds=_seconds(state["Seconds"], "The Seconds field", ""))
    if "SecondsPath" in state:
        path = state["SecondsPath"]
        value = _referenced(path, "SecondsPath", data, context)
        return now + timedelta(seconds=_seconds(value, "The SecondsPath parameter", f"{path} == "))
    if "Timestamp" in state:
        stamp = state["Timestamp"]
        moment = parse_timestamp(stamp)
        if moment is None:
            raise StatesError(
                RUNTIME,
                f"The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format "
                f"string: {stamp}",
            )
        return moment
    path = state["TimestampPath"]
    stamp = _referenced(path, "TimestampPath", data, context)
    moment = parse_timestamp(stamp)
    if moment is None:
        raise StatesError(
            RUNTIME,
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time "
            f"format string: {path} == {_shown(stamp)}",
        )
    return moment


def _referenced(path: str, field: str, data: Any, context: Any) -> Any:
    try:
        return query(path, data, context)
    except StatesError:
        raise StatesError(
            RUNTIME, f"The {field} parameter does not reference an input value: {path}"
        ) from None


def _seconds(value: Any, what: str, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise StatesError(RUNTIME, f"{what} cannot be parsed as a long value: {where}{_shown(value)}")
    if value < 0:
        raise StatesError(RUNTIME, f"{what} references a negative value: {where}{value}")
    if value > MAX_WAIT_SECONDS:
        raise StatesError(RUNTIME, "Wait state delay is too long.")
    return value


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else to_json(value)


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
