"""The clock the functions use: the wall clock, unless the local stack installs its virtual one."""

from __future__ import annotations

from datetime import datetime

from nurtureflow.clock import Clock, SystemClock

_clock: Clock = SystemClock()


def current_clock() -> Clock:
    return _clock


def use_clock(clock: Clock) -> None:
    """Local stack and simulator only: every function then reads time from ``clock``."""
    global _clock
    _clock = clock


class AmbientClock:
    """Asks for the current clock each time, so services built at cold start follow ``use_clock``."""

    def now(self) -> datetime:
        return _clock.now()
