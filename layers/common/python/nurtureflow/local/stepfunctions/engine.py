"""The state lifecycle, written once: entered event, InputPath, Parameters, the state type's own work,
ResultSelector, ResultPath, OutputPath, exited event, next state, with Retry and Catch on failure.

Every method runs under the service lock and returns quickly: task calls are queued as Invocations for the
driver to make outside the lock, and ended executions are queued for the status listeners.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from nurtureflow.clock import Clock

from .authorization import Authorize, Context
from .context import LazyContext
from .definition import Scope
from .errors import RUNTIME, TIMEOUT, StatesError
from .execution import Execution, ExecutionStatus
from .fanout import child_failed, child_succeeded
from .history import MAX_EVENTS, NOT_TRUNCATED, History
from .limits import (
    MAX_PAYLOAD_BYTES,
    UNKNOWN,
    built_bound,
    error_output_bound,
    input_too_large,
    output_bound,
    result_too_large,
    size_of,
    source_bound,
    text_bound,
    within,
)
from .paths import build_payload, merge_result, process_result, select, to_json
from .retry import find_catcher, retry_delay
from .runs import Done, Invocation, InvocationResult, MapRun, Run
from .states import STATE_TYPES
from .tasks import arm_heartbeat, on_answer
from .timers import TimerQueue
from .timestamps import format_timestamp
from .tokens import TaskAnswer, TaskToken, TokenRegistry

# Called with the execution and the state's name whenever a state is entered (the service's option).
StateEnteredListener = Callable[[Execution, str], None]
# The service's StartExecution, called under its lock: (state machine ARN, name, input text) -> execution.
ExecutionStarter = Callable[[str, str | None, str], Execution]


_ENTERED = {kind: f"{kind}StateEntered" for kind in STATE_TYPES}
# AWS fails an execution whose history reaches MAX_EVENTS: after this many events comes the failure.
_HISTORY_CUT = MAX_EVENTS - 1
# AWS: only these states' context object has State.RetryCount (recorded; docs/runtime-fidelity.md).
_RETRYING_TYPES = frozenset({"Task", "Parallel", "Map"})
_EXITED = {kind: f"{kind}StateExited" for kind in STATE_TYPES}


class _Wake:
    """A timer's callback, run only if its run is still where it was. Arguments rather than a closure:
    half the objects, and so half the work for the garbage collector while 100,000 runs wait."""

    __slots__ = ("args", "callback", "epoch", "run")

    def __init__(self, run: Run, epoch: int, callback: Callable[..., None], args: tuple[Any, ...]) -> None:
        self.run, self.epoch, self.callback, self.args = run, epoch, callback, args

    def __call__(self) -> None:
        if self.run.waiting_on(self.epoch):
            self.callback(*self.args)


class Engine:
    """Runs executions' states over one timer queue. Not thread-safe: the service serialises calls."""

    def __init__(
        self,
        clock: Clock,
        *,
        region: str,
        random: Callable[[], float],
        on_state_entered: StateEnteredListener | None = None,
        register: Callable[[Execution], None] = lambda execution: None,
        starter: ExecutionStarter | None = None,
        authorize: Authorize | None = None,
    ) -> None:
        self.region = region
        self._register, self._starter = register, starter
        self._authorize = authorize
        self._on_state_entered = on_state_entered
        self.timers = TimerQueue()
        self.tokens = TokenRegistry()
        self._clock = clock
        self._random = random
        self._invocations: deque[Invocation] = deque()
        self._ended: list[Execution] = []
        # Bound once: every transition waits on a timer, and a fresh bound method for each is one more
        # object for the garbage collector to walk while many runs wait.
        self._enter_later = self._enter

    # -- what the service calls ------------------------------------------------------------------

    def start(self, execution: Execution) -> None:
        """Record ExecutionStarted and queue the first state (it runs on the next drive)."""
        root = Run(execution, execution.definition.root)
        execution.root = root
        execution.input_bound = root.data_bound = text_bound(execution.input_text)
        details = {
            "input": execution.input_text,
            "inputDetails": NOT_TRUNCATED,
            "roleArn": execution.role_arn,
            "stateMachineVersionArn": execution.version_arn,
        }
        self.record(root, "ExecutionStarted", details)
        root.last_event_id = 0  # AWS's first state entry follows event 0, as ExecutionStarted does
        timeout = execution.definition.timeout_seconds
        if timeout is not None:
            self.timers.push(
                execution.start_date + timedelta(seconds=timeout), lambda: self._time_out(execution)
            )
        self.wake_at(self.now(), root, self._enter_later, root, root.scope.start_at, execution.input)

    def stop(self, execution: Execution, error: str | None, cause: str | None) -> None:
        self._close(execution, ExecutionStatus.ABORTED, "ExecutionAborted", error=error, cause=cause)

    def answer(self, token: TaskToken, answer: TaskAnswer) -> None:
        """Record a token's answer now; the waiting task takes it on the next drive."""
        token.answer = answer
        self.wake_at(self.now(), token.run, lambda: on_answer(self, token))

    def heartbeat(self, token: TaskToken) -> None:
        arm_heartbeat(self, token)

    def take_invocation(self) -> Invocation | None:
        return self._invocations.popleft() if self._invocations else None

    def finish_invocation(self, invocation: Invocation, result: InvocationResult) -> None:
        """Hand a task call's result back, unless its run has moved on (stopped, timed out, answered)."""
        if invocation.run.waiting_on(invocation.epoch):
            invocation.on_result(*invocation.args, result)

    def has_output(self) -> bool:
        """Whether task calls or ended executions wait for the driver."""
        return bool(self._invocations or self._ended)

    def take_ended(self) -> list[Execution]:
        ended, self._ended = self._ended, []
        return ended

    # -- the Runtime that state types use ----------------------------------------------------------

    def now(self) -> datetime:
        return self._clock.now()

    def context(self, run: Run) -> LazyContext:
        """The context object (``$$``) as the run's current state sees it, built if a path reads it."""
        return LazyContext(self._context_object, run)

    def _context_object(self, run: Run) -> dict[str, Any]:
        execution = run.execution
        context: dict[str, Any] = {
            "Execution": {
                "Id": execution.arn,
                "Input": execution.input,
                "Name": execution.name,
                "RoleArn": execution.role_arn,
                "StartTime": format_timestamp(execution.start_date),
                "RedriveCount": 0,
            },
            "State": {
                "EnteredTime": format_timestamp(run.entered_at or self.now()),
                "Name": run.state_name,
            },
            "StateMachine": {
                "Id": execution.state_machine_arn,
                "Name": execution.state_machine_arn.split(":")[6],
            },
        }
        if run.state.get("Type") in _RETRYING_TYPES:
            context["State"]["RetryCount"] = run.retry_count
        if run.token is not None and run.token.epoch == run.epoch:
            context["Task"] = {"Token": run.token.value}
        return context

    def record(self, run: Run, event_type: str, details: Mapping[str, Any] | None = None) -> None:
        execution = run.execution
        if execution.status is not ExecutionStatus.RUNNING:
            return  # the execution ended under the state doing its work (the history limit): nothing more
        run.last_event_id = execution.history.record(event_type, self.now(), run.last_event_id, details)
        if run.last_event_id >= _HISTORY_CUT:  # an event's id is the history's length
            self._history_full(execution)

    def wake_at(self, due: datetime, run: Run, callback: Callable[..., None], *args: Any) -> None:
        """Call ``callback(*args)`` at ``due`` if the run is then still where it is now."""
        self.timers.push(due, _Wake(run, run.epoch, callback, args))

    def invoke(
        self, run: Run, function_name: str, payload: Any, on_result: Callable[..., None], *args: Any
    ) -> None:
        """Queue a task call; ``on_result(*args, result)`` gets its InvocationResult."""
        self._invocations.append(Invocation(run, run.epoch, function_name, payload, on_result, args))

    def spawn(self, parent: Run, scope: Scope, data: Any, index: int) -> Run:
        child = Run(parent.execution, scope, parent=parent, index=index, last_event_id=parent.last_event_id)
        self.wake_at(self.now(), child, self._enter_later, child, scope.start_at, data)
        return child

    def spawn_execution(self, parent: Run, scope: Scope, data: Any, index: int, map_run: MapRun) -> Run:
        """A Distributed Map's child execution: its own ARN, history and transitions; it ends into
        ``parent``, the run in the Map state."""
        outer = parent.execution
        name = str(uuid.uuid4())
        execution = Execution(
            arn=map_run.execution_prefix + name,
            name=name,
            state_machine_arn=outer.state_machine_arn,
            version_arn=outer.version_arn,
            definition=outer.definition,
            role_arn=outer.role_arn,
            input_text=to_json(data),
            input=data,
            start_date=self.now(),
            history=History(keep=outer.history.keeping and not map_run.express),
            map_run_arn=map_run.arn,
            map_parent=parent,
        )
        child = Run(execution, scope, index=index)
        execution.root = child
        execution.input_bound = child.data_bound = text_bound(execution.input_text)
        self.record(
            child,
            "ExecutionStarted",
            {"input": execution.input_text, "inputDetails": NOT_TRUNCATED, "roleArn": execution.role_arn},
        )
        child.last_event_id = 0
        self._register(execution)
        self.wake_at(self.now(), child, self._enter_later, child, scope.start_at, data)
        return child

    def start_execution(self, state_machine_arn: str, name: str | None, input_text: str) -> Execution:
        if self._starter is None:
            raise StatesError(RUNTIME, "this runtime cannot start executions from a state")
        return self._starter(state_machine_arn, name, input_text)

    def authorize(self, run: Run, action: str, resource: str, context: Context = ()) -> None:
        if self._authorize is None:
            return
        if context:  # only calls with condition keys pass them: every other authorizer stays 3-ary
            self._authorize(run.execution.role_arn, action, resource, context)
        else:
            self._authorize(run.execution.role_arn, action, resource)

    def abort(self, run: Run) -> None:
        """Stop a run and everything under it; their timers and task results will be ignored."""
        run.active = False
        run.epoch += 1
        # Let go of the children first: a child execution that stops reports to a parent with none.
        fanout, run.fanout = run.fanout, None
        if fanout is not None:
            for child in list(fanout.running.values()):
                self.abort(child)
        execution = run.execution
        if run is execution.root and execution.map_parent is not None and execution.running:
            self._close(execution, ExecutionStatus.ABORTED, "ExecutionAborted")

    def complete(self, run: Run, result: Any) -> None:
        self._finish(run, Done(result))

    def fail(self, run: Run, error: StatesError, failure_event: str | None = None) -> None:
        """The state failed: retry it, or catch the error, or fail the run. ``failure_event`` (a Map's or
        Parallel's ``…StateFailed``) is recorded only if the state is not retried, as AWS records it."""
        run.epoch += 1
        if not run.execution.running:
            return
        if error.name == RUNTIME:
            # AWS's States.Runtime causes name the state and the event that entered it.
            cause = (
                f"An error occurred while executing the state '{run.state_name}' "
                f"(entered at the event id #{run.entered_event_id}). {error.cause}"
            )
            self._fail_execution(run, StatesError(RUNTIME, cause))
            return
        state = run.state
        if run.retries is None:
            run.retries = {}
        delay = None
        if not error.terminal:
            delay = retry_delay(state.get("Retry", []), error.name, run.retries, self._random)
        if delay is not None:
            run.retry_count += 1
            run.execution.transitions += 1  # AWS bills every retry attempt as a transition
            self.wake_at(self.now() + delay, run, self._attempt, run)
            return
        if failure_event is not None:
            self.record(run, failure_event)
        catcher = find_catcher(state.get("Catch", []), error.name)
        if catcher is None:
            self._run_failed(run, error)
            return
        try:
            error_output = error.as_output()
            output = merge_result(catcher, run.raw_input, error_output)
        except StatesError as mismatch:
            self._run_failed(run, mismatch)
            return
        error_bound = error_output_bound(error.name, error.cause)
        bound = output_bound(catcher, run.data_bound, error_bound, run.execution.input_bound)
        self._exit(run, output, str(catcher["Next"]), bound)

    # -- the lifecycle -----------------------------------------------------------------------------

    def _enter(self, run: Run, name: str, raw_input: Any) -> None:
        execution = run.execution
        run.state_name, run.state = name, run.scope.states[name]
        run.raw_input, run.entered_at = raw_input, self._clock.now()
        run.retries, run.retry_count, run.token = None, 0, None
        execution.transitions += 1
        state = run.state
        run.last_event_id = execution.history.record_state(
            _ENTERED[state["Type"]], run.entered_at, run.last_event_id, name, raw_input
        )
        run.entered_event_id = run.last_event_id
        if run.last_event_id >= _HISTORY_CUT and self._history_full(execution):
            return
        if self._on_state_entered is not None:
            self._on_state_entered(execution, name)
        if "InputPath" in state:
            try:
                run.effective_input = select(state, "InputPath", raw_input, self.context(run))
            except StatesError as error:
                self.fail(run, error)
                return
        else:
            run.effective_input = raw_input
        self._attempt(run)

    def _attempt(self, run: Run) -> None:
        """The state's own work, for the first time or again after a retrier's wait."""
        run.epoch += 1
        run.result_bound = UNKNOWN
        state = run.state
        kind = STATE_TYPES[state["Type"]]
        try:
            run.token = self.tokens.issue(run) if kind.needs_token(state) else None
            work_input = run.effective_input
            if kind.takes_parameters and "Parameters" in state:
                work_input = build_payload(state["Parameters"], work_input, self.context(run))
                source = source_bound(run.data_bound, run.execution.input_bound)
                bound = built_bound(state["Parameters"], source)
                if not within(bound) and size_of(work_input) > MAX_PAYLOAD_BYTES:
                    self._fail_execution(run, input_too_large(run.state_name))
                    return
            outcome = kind.start(self, run, state, work_input)
        except StatesError as error:
            self.fail(run, error)
            return
        if isinstance(outcome, Done):
            self._finish(run, outcome)

    def _finish(self, run: Run, outcome: Done) -> None:
        run.epoch += 1
        if not run.execution.running:
            return
        state = run.state
        context = self.context(run)
        kind = STATE_TYPES[state["Type"]]
        try:
            if kind.has_result:
                output = process_result(state, run.raw_input, outcome.result, context)
                bound = output_bound(
                    state, run.data_bound, self._result_bound(run), run.execution.input_bound
                )
            else:
                output = select(state, "OutputPath", outcome.result, context)
                bound = run.data_bound  # a part of the input at most
        except StatesError as error:
            self.fail(run, error)
            return
        self._exit(run, output, outcome.next_state or state.get("Next"), bound)

    def _result_bound(self, run: Run) -> int:
        """A bound of the result of the state's own work: measured for a task, from the definition for a
        Pass state (Parallel and Map results are measured with the output)."""
        state = run.state
        if state["Type"] != "Pass":
            return run.result_bound
        if "Result" in state:
            return built_bound(state["Result"], 0)
        if "Parameters" in state:
            return built_bound(state["Parameters"], source_bound(run.data_bound, run.execution.input_bound))
        return run.data_bound

    def _exit(self, run: Run, output: Any, next_state: str | None, bound: int) -> None:
        # AWS fails the execution, whatever the catchers, when a state's output is over the payload quota.
        # An output that is the state's input unchanged was measured on its way in, and one whose bound is
        # within the quota needs no measuring.
        if output is not run.raw_input and not within(bound):
            bound = size_of(output)
            if bound > MAX_PAYLOAD_BYTES:
                self._fail_execution(run, result_too_large(run.state_name))
                return
        run.data_bound = bound
        execution = run.execution
        run.last_event_id = execution.history.record_state(
            _EXITED[run.state["Type"]], self.now(), run.last_event_id, run.state_name, output
        )
        if run.last_event_id >= _HISTORY_CUT and self._history_full(execution):
            return
        if next_state is not None:
            self.wake_at(self.now(), run, self._enter_later, run, next_state, output)
        else:
            self._run_succeeded(run, output)

    def _run_succeeded(self, run: Run, output: Any) -> None:
        run.active = False
        if run.parent is None:
            self._close(
                run.execution,
                ExecutionStatus.SUCCEEDED,
                "ExecutionSucceeded",
                output=to_json(output),
                value=output,
            )
        else:
            child_succeeded(self, run.parent, run, output)

    def _run_failed(self, run: Run, error: StatesError) -> None:
        run.active = False
        if run.parent is None:
            self._close(
                run.execution, ExecutionStatus.FAILED, "ExecutionFailed", error=error.name, cause=error.cause
            )
        else:
            child_failed(self, run.parent, run, error)

    def _fail_execution(self, run: Run, error: StatesError) -> None:
        """A terminal error: the execution fails at once, whatever the state's retriers and catchers."""
        self._close(
            run.execution, ExecutionStatus.FAILED, "ExecutionFailed", error=error.name, cause=error.cause
        )

    def _history_full(self, execution: Execution) -> bool:
        """AWS fails an execution when its history reaches MAX_EVENTS: the failure is event MAX_EVENTS."""
        if len(execution.history) < _HISTORY_CUT or not execution.running:
            return False
        cause = f"The execution reached the maximum number of history events ({MAX_EVENTS})."
        self._close(execution, ExecutionStatus.FAILED, "ExecutionFailed", error=RUNTIME, cause=cause)
        return True

    def _time_out(self, execution: Execution) -> None:
        if execution.running:
            cause = (
                f"The execution ran longer than its TimeoutSeconds ({execution.definition.timeout_seconds})."
            )
            self._close(execution, ExecutionStatus.TIMED_OUT, "ExecutionTimedOut", error=TIMEOUT, cause=cause)

    def _close(
        self,
        execution: Execution,
        status: ExecutionStatus,
        event_type: str,
        *,
        output: str | None = None,
        value: Any = None,
        error: str | None = None,
        cause: str | None = None,
    ) -> None:
        execution.status, execution.stop_date = status, self.now()
        cause = cause or None  # a timeout has no cause, and AWS records none
        execution.output, execution.error, execution.cause = output, error or None, cause
        if execution.root is not None:
            self.abort(execution.root)
        if status is ExecutionStatus.SUCCEEDED:
            details: dict[str, Any] = {"output": output, "outputDetails": NOT_TRUNCATED}
        else:
            details = {"error": error or None, "cause": cause}
        execution.history.record(event_type, self.now(), len(execution.history), details)
        if execution.map_parent is None:
            self._ended.append(execution)
            if not execution.history.keeping:
                _let_go(execution)
            return
        # A Distributed Map's child: its end is the Map state's business (no status-change event).
        assert execution.root is not None
        if status is ExecutionStatus.SUCCEEDED:
            child_succeeded(self, execution.map_parent, execution.root, value)
        else:
            child_failed(self, execution.map_parent, execution.root, StatesError(error or "", cause))


def _let_go(execution: Execution) -> None:
    """An ended execution of a runtime that keeps no history (a forecast's, with up to 100,000 of
    them) keeps what DescribeExecution reports, its texts and counts, and lets go of the parsed
    input and its last state's data, about 1.5 KB a run; ``root.state_name`` still names where it
    ended."""
    execution.input = None
    root = execution.root
    if root is not None:
        root.raw_input = root.effective_input = None
        root.token = None
