"""The clock the functions use: the wall clock, unless the local stack installs its virtual one."""

from __future__ import annotations

import time
from datetime import datetime

from nurtureflow.clock import Clock, SystemClock

_clock: Clock = SystemClock()


def current_clock() -> Clock:
    return _clock


def use_clock(clock: Clock) -> None:
    """Local stack and simulator only: every function then reads time from ``clock``."""
    global _clock
    _clock = clock


def pause(seconds: float) -> None:
    """Wait ``seconds`` of real time in AWS. Under a virtual clock (the local stack, the simulator)
    time moves only when told, so nothing waits: pacing inside a task is not seen locally."""
    if seconds > 0 and isinstance(_clock, SystemClock):
        time.sleep(seconds)


class AmbientClock:
    """Asks for the current clock each time, so services built at cold start follow ``use_clock``."""

    def now(self) -> datetime:
        return _clock.now()
