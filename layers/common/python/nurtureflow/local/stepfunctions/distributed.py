"""Distributed Map states: each item runs as a child execution of its own, under one map run.

The parent's history records the map run (MapRunStarted, then MapRunSucceeded or MapRunFailed), never
the children's states, so it grows by a few events per Map state whatever the number of items. A child
that fails counts against the state's tolerance (none by default); past it the map run fails with
``States.ExceedToleratedFailureThreshold`` and the children still running are stopped, as in AWS.
Items come from ``ItemsPath`` only: ItemReader, ItemBatcher and ResultWriter are refused at definition time.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from .authorization import START_EXECUTION, denial_message
from .errors import RUNTIME, AccessDeniedError, StatesError
from .paths import query, to_json
from .runs import FanOut, MapRun, Run, Runtime

EXCEED_TOLERATED = "States.ExceedToleratedFailureThreshold"
MAX_CHILDREN = 10_000  # AWS runs at most this many child executions of a map run at once


def is_distributed(state: Mapping[str, Any]) -> bool:
    processor = state.get("ItemProcessor") or {}
    return bool(processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED")


def new_map_run(runtime: Runtime, run: Run, state: Mapping[str, Any], data: Any) -> MapRun:
    """The map run of a Distributed Map state entered now, named as AWS names it (machine/label:id)."""
    parts = run.execution.arn.split(":")
    machine = run.execution.state_machine_arn.split(":")[6]
    label = f"{machine}/{state.get('Label', run.state_name)}"
    _may_start_children(runtime, run)
    context = runtime.context(run)
    config = state["ItemProcessor"]["ProcessorConfig"]
    return MapRun(
        arn=f"arn:aws:states:{parts[3]}:{parts[4]}:mapRun:{label}:{uuid.uuid4()}",
        execution_prefix=f"arn:aws:states:{parts[3]}:{parts[4]}:execution:{label}:",
        express=config.get("ExecutionType") == "EXPRESS",
        tolerated_count=_tolerance(state, "ToleratedFailureCount", data, context),
        tolerated_percent=_tolerance(state, "ToleratedFailurePercentage", data, context),
    )


def _may_start_children(runtime: Runtime, run: Run) -> None:
    """The children run as executions of this machine, started as its role: it needs StartExecution on
    itself. How AWS fails a map run without it is undocumented: here the execution fails (States.Runtime)."""
    execution = run.execution
    machine = execution.version_arn or execution.state_machine_arn
    try:
        runtime.authorize(run, START_EXECUTION, machine)
    except AccessDeniedError as denied:
        raise StatesError(
            RUNTIME, denial_message(execution.role_arn, START_EXECUTION, machine, denied)
        ) from None


def _tolerance(state: Mapping[str, Any], field: str, data: Any, context: Any) -> Any:
    """ToleratedFailureCount or ToleratedFailurePercentage (or their paths' values); AWS's texts."""
    percentage = field.endswith("Percentage")
    value = state.get(field)
    if f"{field}Path" in state:
        path = state[f"{field}Path"]
        value = query(path, data, context)
        kind = (float, int) if percentage else int
        if not isinstance(value, kind) or isinstance(value, bool):
            shown = value if isinstance(value, str) else to_json(value)
            raise StatesError(
                RUNTIME,
                f'The {field}Path field refers to value "{shown}" which is not a valid '
                f"{'float' if percentage else 'integer'}: {path}",
            )
    if value is None:
        return None
    if percentage and not 0 <= value <= 100:
        raise StatesError(RUNTIME, "ToleratedFailurePercentage must be between 0 and 100.")
    if not percentage and value < 0:
        raise StatesError(RUNTIME, "ToleratedFailureCount cannot be negative.")
    return value


def concurrency(limit: int) -> int:
    """The child executions running at once for a MaxConcurrency of ``limit`` (0: as many as AWS allows)."""
    return min(limit, MAX_CHILDREN) if limit > 0 else MAX_CHILDREN


def child_failed(runtime: Runtime, parent: Run, child: Run, error: StatesError) -> bool:
    """Count a child's failure; True if the map run goes on (tolerated), False once it has failed."""
    fanout = parent.fanout
    assert fanout is not None
    assert fanout.map_run is not None
    map_run = fanout.map_run
    map_run.failed += 1
    fanout.results[child.index] = error.as_output()
    if not map_run.exceeded(len(fanout.inputs)):
        return True
    parent.fanout = None  # first: a stopped sibling reports its end, and must find nothing to report to
    for sibling in list(fanout.running.values()):
        runtime.abort(sibling)
    cause = (
        f"The specified tolerated failure threshold was exceeded: {map_run.failed} of "
        f"{len(fanout.inputs)} child executions failed"
    )
    runtime.record(parent, "MapRunFailed", {"error": EXCEED_TOLERATED, "cause": cause})
    runtime.record(parent, "MapStateFailed")
    runtime.fail(parent, StatesError(EXCEED_TOLERATED, cause))
    return False


def started(runtime: Runtime, parent: Run, fanout: FanOut) -> None:
    assert fanout.map_run is not None
    runtime.record(parent, "MapRunStarted", {"mapRunArn": fanout.map_run.arn})
