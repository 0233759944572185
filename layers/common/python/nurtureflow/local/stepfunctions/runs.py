"""Threads of control inside an execution, and the runtime services state types work with.

A *run* walks one scope's states: the machine itself, a Parallel branch, or a Map iteration. A waiting run
is just data (its state, inputs and an ``epoch``); timers and task results carry the epoch they were made
for, and are ignored once the run has moved on. No thread ever waits on behalf of a run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from .definition import Scope
from .execution import ExecutionStatus

if TYPE_CHECKING:
    from .context import LazyContext
    from .errors import StatesError
    from .execution import Execution
    from .tokens import TaskToken


@dataclass(frozen=True, slots=True)
class Done:
    """A state's own work finished at once with ``result``; Choice also names the next state."""

    result: Any
    next_state: str | None = None


class Pending:
    """A state's own work goes on later (a timer, a task, branches); the runtime is told when it ends."""


PENDING = Pending()
Outcome = Done | Pending


@dataclass(eq=False, slots=True)
class MapRun:
    """A Distributed Map's run: its children are executions of their own, and some may fail."""

    arn: str
    execution_prefix: str  # a child execution's ARN is this and its name
    express: bool
    tolerated_count: int | None
    tolerated_percent: float | None
    failed: int = 0

    def exceeded(self, total: int) -> bool:
        """Whether the failures so far are more than the state tolerates (none, unless it says so)."""
        if self.tolerated_count is None and self.tolerated_percent is None:
            return self.failed > 0
        over_count = self.tolerated_count is not None and self.failed > self.tolerated_count
        percent = self.tolerated_percent
        over_percent = percent is not None and self.failed * 100 > percent * total
        return over_count or over_percent


@dataclass(eq=False, slots=True)
class FanOut:
    """The children of a Parallel (one per branch) or Map (one per item) state, and their results."""

    kind: str
    scopes: list[Scope]
    inputs: list[Any]
    max_concurrency: int  # 0: no limit
    results: list[Any]
    running: dict[int, Run] = field(default_factory=dict)
    next_index: int = 0
    finished: int = 0
    map_run: MapRun | None = None  # a Distributed Map's; None for Parallel and inline Map


@dataclass(eq=False, slots=True)
class Run:
    execution: Execution
    scope: Scope
    parent: Run | None = None
    index: int = 0
    last_event_id: int = 0
    state_name: str = ""
    state: Mapping[str, Any] = field(default_factory=dict)  # the definition of the state named state_name
    raw_input: Any = None
    effective_input: Any = None
    entered_at: datetime | None = None
    entered_event_id: int = 0  # the id of the state's …StateEntered event
    epoch: int = 0
    active: bool = True
    retries: dict[int, int] | None = None  # per retrier, made on the state's first failure
    retry_count: int = 0
    token: TaskToken | None = None
    fanout: FanOut | None = None
    data_bound: int = -1  # a bound of raw_input's size in bytes (limits.UNKNOWN: measure it)
    result_bound: int = -1  # the size of the current attempt's task result, once measured

    def waiting_on(self, epoch: int) -> bool:
        """Whether work made at ``epoch`` is still wanted: the run hasn't moved on, been aborted or closed."""
        return self.active and self.epoch == epoch and self.execution.status is ExecutionStatus.RUNNING


@dataclass(frozen=True, slots=True)
class InvocationResult:
    value: Any = None
    exception: Exception | None = None


@dataclass(eq=False, slots=True)
class Invocation:
    """A task call the driver makes outside the service lock, then hands back with its result."""

    run: Run
    epoch: int
    function_name: str
    payload: Any
    on_result: Callable[..., None]  # called with ``args`` and the InvocationResult
    args: tuple[Any, ...] = ()


class Runtime(Protocol):
    """What a state type may ask of the engine while doing its own work."""

    region: str

    def now(self) -> datetime: ...

    def context(self, run: Run) -> LazyContext: ...

    def record(self, run: Run, event_type: str, details: Mapping[str, Any] | None = None) -> None: ...

    def wake_at(self, due: datetime, run: Run, callback: Callable[..., None], *args: Any) -> None: ...

    def complete(self, run: Run, result: Any) -> None: ...

    def fail(self, run: Run, error: StatesError, failure_event: str | None = None) -> None: ...

    def invoke(
        self, run: Run, function_name: str, payload: Any, on_result: Callable[..., None], *args: Any
    ) -> None: ...

    def spawn(self, parent: Run, scope: Scope, data: Any, index: int) -> Run: ...

    def spawn_execution(self, parent: Run, scope: Scope, data: Any, index: int, map_run: MapRun) -> Run:
        """A Distributed Map's child: an execution of its own, whose root run reports to ``parent``."""
        ...

    def start_execution(self, state_machine_arn: str, name: str | None, input_text: str) -> Execution:
        """StartExecution from inside a running state (the service's rules: names, idempotency)."""
        ...

    def abort(self, run: Run) -> None: ...

    def authorize(
        self, run: Run, action: str, resource: str, context: tuple[tuple[str, str], ...] = ()
    ) -> None:
        """Raise AccessDeniedError unless the execution's role may do ``action`` on ``resource``
        (with the request's condition keys, ``context``)."""
        ...


@dataclass(frozen=True, slots=True)
class StateType:
    """How one ``Type`` does its own work; the engine runs the rest of the lifecycle around it."""

    start: Callable[[Runtime, Run, Mapping[str, Any], Any], Outcome]
    has_result: bool = False  # ResultSelector/ResultPath apply (else the output is the effective input)
    takes_parameters: bool = False  # Parameters shape the work's input (Map uses them per item instead)
    needs_token: Callable[[Mapping[str, Any]], bool] = field(default=lambda state: False)
