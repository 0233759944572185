"""Parallel and Map states: start child runs, gather their outputs in order, fail on the first failure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .context import context_object
from .definition import Scope
from .errors import RUNTIME, StatesError
from .paths import build_payload, query
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
        raise StatesError(RUNTIME, f"Map ItemsPath must select an array, got {type(items).__name__}")
    selector = state.get("ItemSelector", state.get("Parameters"))
    inputs = items
    if selector is not None:
        base = context_object(context)
        inputs = [
            build_payload(selector, data, {**base, "Map": {"Item": {"Index": index, "Value": item}}})
            for index, item in enumerate(items)
        ]
    runtime.record(run, "MapStateStarted", {"length": len(items)})
    if not items:
        runtime.record(run, "MapStateSucceeded")
        return Done([])
    processor = Scope.of(state.get("ItemProcessor") or state["Iterator"])
    limit = int(state.get("MaxConcurrency", 0))
    run.fanout = FanOut("Map", [processor] * len(items), inputs, limit, [None] * len(items))
    _launch(runtime, run)
    return PENDING


def _launch(runtime: Runtime, parent: Run) -> None:
    fanout = parent.fanout
    assert fanout is not None
    while fanout.next_index < len(fanout.inputs) and (
        fanout.max_concurrency <= 0 or len(fanout.running) < fanout.max_concurrency
    ):
        index = fanout.next_index
        fanout.next_index += 1
        if fanout.kind == "Map":
            runtime.record(parent, "MapIterationStarted", {"name": parent.state_name, "index": index})
        fanout.running[index] = runtime.spawn(parent, fanout.scopes[index], fanout.inputs[index], index)


def child_succeeded(runtime: Runtime, parent: Run, child: Run, output: Any) -> None:
    """A branch or iteration ended well: keep its output; when all have, the parent's work is done."""
    fanout = parent.fanout
    if fanout is None or fanout.running.get(child.index) is not child:
        return
    del fanout.running[child.index]
    fanout.results[child.index] = output
    fanout.finished += 1
    if fanout.kind == "Map":
        runtime.record(child, "MapIterationSucceeded", {"name": parent.state_name, "index": child.index})
    if fanout.finished < len(fanout.inputs):
        _launch(runtime, parent)
        return
    parent.fanout = None
    runtime.record(parent, f"{fanout.kind}StateSucceeded")
    runtime.complete(parent, fanout.results)


def child_failed(runtime: Runtime, parent: Run, child: Run, error: StatesError) -> None:
    """A branch or iteration failed: stop the others; the parent state fails with the same error."""
    fanout = parent.fanout
    if fanout is None or fanout.running.get(child.index) is not child:
        return
    del fanout.running[child.index]
    if fanout.kind == "Map":
        runtime.record(child, "MapIterationFailed", {"name": parent.state_name, "index": child.index})
    for index, sibling in sorted(fanout.running.items()):
        runtime.abort(sibling)
        if fanout.kind == "Map":
            runtime.record(sibling, "MapIterationAborted", {"name": parent.state_name, "index": index})
    parent.fanout = None
    runtime.record(parent, f"{fanout.kind}StateFailed")
    runtime.fail(parent, error)
