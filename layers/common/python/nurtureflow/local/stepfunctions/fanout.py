"""Parallel and Map states: start child runs, gather their outputs in order, fail on the first failure
(a Distributed Map's children are executions, and may be tolerated to fail: see ``distributed``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import distributed
from .context import context_object
from .definition import Scope
from .errors import RUNTIME, StatesError
from .paths import build_payload, query, to_json
from .runs import PENDING, Done, FanOut, Outcome, Run, Runtime


def start_parallel(runtime: Runtime, run: Run, state: Mapping[str, Any], data: Any) -> Outcome:
    """Every branch gets the (Parameters-shaped) input; the result is the array of branch outputs."""
    scopes = [Scope.of(branch) for branch in state["Branches"]]
    runtime.record(run, "ParallelStateStarted")
    run.fanout = FanOut("Parallel", scopes, [data] * len(scopes), 0, [None] * len(scopes))
    _launch(runtime, run)
    return PENDING


def start_map(runtime: Runtime, run: Run, state: Mapping[str, Any], data: Any) -> Outcome:
    """One iteration per item of ItemsPath, shaped by ItemSelector (or the older Parameters)."""
    context = runtime.context(run)
    items = query(state.get("ItemsPath", "$"), data, context)
    if not isinstance(items, list):
        raise StatesError(RUNTIME, f"Map state input must be an array but was: {to_json(items)}")
    selector = state.get("ItemSelector", state.get("Parameters"))
    inputs = items
    if selector is not None:
        base = context_object(context)
        inputs = [
            build_payload(selector, data, {**base, "Map": {"Item": {"Index": index, "Value": item}}})
            for index, item in enumerate(items)
        ]
    map_run = None
    if distributed.is_distributed(state):
        map_run = distributed.new_map_run(runtime, run, state, data)
    runtime.record(run, "MapStateStarted", {"length": len(items)})
    processor = Scope.of(state.get("ItemProcessor") or state["Iterator"])
    limit = max_concurrency(state, data, context)
    if map_run is not None:
        limit = distributed.concurrency(limit)
    fanout = FanOut("Map", [processor] * len(items), inputs, limit, [None] * len(items), map_run=map_run)
    if map_run is not None:
        distributed.started(runtime, run, fanout)
    if not items:
        _record_success(runtime, run, fanout)
        return Done([])
    run.fanout = fanout
    _launch(runtime, run)
    return PENDING


def max_concurrency(state: Mapping[str, Any], data: Any, context: Any) -> int:
    """MaxConcurrency, or the integer MaxConcurrencyPath selects (0: no limit); AWS's States.Runtime texts."""
    if "MaxConcurrencyPath" not in state:
        return int(state.get("MaxConcurrency", 0))
    path = state["MaxConcurrencyPath"]
    value = query(path, data, context)
    if not isinstance(value, int) or isinstance(value, bool):
        shown = value if isinstance(value, str) else to_json(value)
        raise StatesError(
            RUNTIME,
            f'The MaxConcurrencyPath field refers to value "{shown}" which is not a valid integer: {path}',
        )
    if value < 0:
        raise StatesError(
            RUNTIME, f"Expected non-negative integer for MaxConcurrency, got '{value}' instead."
        )
    return value


def _launch(runtime: Runtime, parent: Run) -> None:
    fanout = parent.fanout
    assert fanout is not None
    while fanout.next_index < len(fanout.inputs) and (
        fanout.max_concurrency <= 0 or len(fanout.running) < fanout.max_concurrency
    ):
        index = fanout.next_index
        fanout.next_index += 1
        scope, data = fanout.scopes[index], fanout.inputs[index]
        if fanout.map_run is not None:
            fanout.running[index] = runtime.spawn_execution(parent, scope, data, index, fanout.map_run)
            continue
        if fanout.kind == "Map":
            runtime.record(parent, "MapIterationStarted", {"name": parent.state_name, "index": index})
        fanout.running[index] = runtime.spawn(parent, scope, data, index)


def child_succeeded(runtime: Runtime, parent: Run, child: Run, output: Any) -> None:
    """A branch or iteration ended well: keep its output; when all have, the parent's work is done."""
    fanout = parent.fanout
    if fanout is None or fanout.running.get(child.index) is not child:
        return
    del fanout.running[child.index]
    fanout.results[child.index] = output
    if fanout.kind == "Map" and fanout.map_run is None:
        runtime.record(child, "MapIterationSucceeded", {"name": parent.state_name, "index": child.index})
    _settle(runtime, parent, fanout)


def _settle(runtime: Runtime, parent: Run, fanout: FanOut) -> None:
    """One more child has ended without failing the state: start the next, or end the state."""
    fanout.finished += 1
    if fanout.finished < len(fanout.inputs):
        _launch(runtime, parent)
        return
    parent.fanout = None
    _succeed(runtime, parent, fanout)


def _succeed(runtime: Runtime, parent: Run, fanout: FanOut) -> None:
    _record_success(runtime, parent, fanout)
    runtime.complete(parent, fanout.results)


def _record_success(runtime: Runtime, parent: Run, fanout: FanOut) -> None:
    if fanout.map_run is not None:
        runtime.record(parent, "MapRunSucceeded")
    runtime.record(parent, f"{fanout.kind}StateSucceeded")


def child_failed(runtime: Runtime, parent: Run, child: Run, error: StatesError) -> None:
    """A branch or iteration failed: stop the others; the parent state fails with the same error."""
    fanout = parent.fanout
    if fanout is None or fanout.running.get(child.index) is not child:
        return
    del fanout.running[child.index]
    if fanout.map_run is not None:
        if distributed.child_failed(runtime, parent, child, error):
            _settle(runtime, parent, fanout)
        return
    # AWS: what the state records next (a retry's …StateStarted, or …StateFailed) follows the failed
    # child's last event, and …StateFailed only once the state is not retried.
    child_last_event = child.last_event_id
    if fanout.kind == "Map":
        runtime.record(child, "MapIterationFailed", {"name": parent.state_name, "index": child.index})
    for index, sibling in sorted(fanout.running.items()):
        runtime.abort(sibling)
        if fanout.kind == "Map":
            runtime.record(sibling, "MapIterationAborted", {"name": parent.state_name, "index": index})
    parent.fanout = None
    parent.last_event_id = child_last_event
    runtime.fail(parent, error, failure_event=f"{fanout.kind}StateFailed")
