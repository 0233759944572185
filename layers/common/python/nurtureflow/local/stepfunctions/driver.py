"""The driver: one loop over the heap of due timers, run by one thread at a time.

It runs engine work under the service lock, but calls the task invoker and the status listeners with the
lock released, so that a Lambda handler running inside a task may call the API (SendTaskSuccess,
StartExecution...) from this or another thread without deadlocking.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from nurtureflow.clock import Clock

from .engine import Engine
from .errors import LambdaFunctionError
from .jsoncopy import json_copy
from .runs import Invocation, InvocationResult

TaskInvoker = Callable[[str, Any], Any]
StatusListener = Callable[[dict[str, Any]], None]

logger = logging.getLogger(__name__)


class Driver:
    def __init__(
        self,
        engine: Engine,
        lock: threading.Lock,
        clock: Clock,
        invoke: TaskInvoker,
        listeners: list[StatusListener],
    ) -> None:
        self._engine = engine
        self._lock = lock  # the service's lock, guarding all runtime state
        self._clock = clock
        self._invoke = invoke
        self._listeners = listeners
        self._driving = threading.Lock()
        self._driver_thread: int | None = None

    def run_due(self) -> int:
        """Run what is due at or before now until nothing is; 0 at once if another driver is running."""
        if self._driver_thread == threading.get_ident() or not self._driving.acquire(blocking=False):
            return 0
        self._driver_thread = threading.get_ident()
        ran = 0
        try:
            while True:
                ran += self._drain()
                with self._lock:
                    # Let go inside the lock: whoever queues work after this check finds the driver free.
                    if not self._has_work():
                        self._driver_thread = None
                        self._driving.release()
                        return ran
        except BaseException:
            if self._driver_thread == threading.get_ident():
                self._driver_thread = None
                self._driving.release()
            raise

    def advance(self, delta: timedelta) -> int:
        """Move the clock to each due timer in turn (up to now + delta), running what is due at each."""
        set_clock = getattr(self._clock, "set", None)
        if not callable(set_clock):
            raise TypeError("advance() needs a clock with set(), such as VirtualClock")
        if delta < timedelta(0):
            raise ValueError("the virtual clock never moves backwards")
        if self._driver_thread == threading.get_ident():
            raise RuntimeError("advance() can't be called from inside a task the driver is running")
        ran = 0
        with self._driving:
            self._driver_thread = threading.get_ident()
            try:
                target = self._clock.now() + delta
                while True:
                    ran += self._drain()
                    with self._lock:
                        due = self._engine.timers.next_due()
                    if due is None or due > target:
                        break
                    if due > self._clock.now():
                        set_clock(due)
                if target > self._clock.now():
                    set_clock(target)
                ran += self._drain()
            finally:
                self._driver_thread = None
        return ran + self.run_due()  # hands over properly to work queued while we were finishing

    def _has_work(self) -> bool:
        return self._engine.has_output() or self._engine.timers.has_due(self._clock.now())

    def _drain(self) -> int:
        """Run every due timer, then the task calls they asked for, and again, until nothing is due.

        Timers due at the same moment all run before any task call, so that the branches of a Parallel
        state (say) all start before one of them can fail the others, as they would side by side in AWS.
        """
        ran = 0
        while True:
            with self._lock:
                callback = self._engine.timers.pop_due(self._clock.now())
                if callback is not None:
                    callback()
            if callback is not None:
                ran += 1
                continue
            performed = self._perform_invocations()
            self._notify()
            if not performed:
                return ran

    def _perform_invocations(self) -> bool:
        """Make the queued task calls outside the lock; whether there were any."""
        performed = False
        while True:
            with self._lock:
                invocation = self._engine.take_invocation()
            if invocation is None:
                return performed
            performed = True
            result = self._call(invocation)  # outside the lock: the handler may call the API
            with self._lock:
                self._engine.finish_invocation(invocation, result)

    def _call(self, invocation: Invocation) -> InvocationResult:
        # Copies as JSON round trips make them: the handler gets its own copy, the runtime keeps its own of
        # the result, and a result Lambda couldn't serialise fails the way Lambda's runtime fails it.
        try:
            value = self._invoke(invocation.function_name, json_copy(invocation.payload))
        except Exception as error:  # whatever the call raised is the task's failure, not the driver's
            return InvocationResult(exception=error)
        try:
            return InvocationResult(value=json_copy(value))
        except (TypeError, ValueError) as error:
            return InvocationResult(exception=LambdaFunctionError("Runtime.MarshalError", str(error)))

    def _notify(self) -> None:
        with self._lock:
            events = [execution.status_change_detail() for execution in self._engine.take_ended()]
            listeners = list(self._listeners)
        for event in events:
            for listener in listeners:
                try:
                    listener(event)
                except Exception:  # a broken listener must not stop the runtime
                    logger.exception("status listener failed for %s", event["executionArn"])
