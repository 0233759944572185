"""Time as the domain sees it: the wall clock in AWS, a virtual clock in the local stack."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


def timestamp(moment: datetime) -> str:
    """A moment as the APIs and Step Functions' Wait states write it: UTC, whole seconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class VirtualClock:
    """A clock that moves only when told (the local stack's ``/_local/clock``, the simulator)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime.now(UTC)).astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        # No lock: reading one attribute is atomic, and set() only ever stores a finished datetime.
        # (The local Step Functions runtime asks for the time dozens of times a state.)
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the virtual clock takes timezone-aware datetimes")
        with self._lock:
            if moment < self._now:
                raise ValueError("the virtual clock never moves backwards")
            self._now = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> datetime:
        self.set(self.now() + delta)
        return self.now()
