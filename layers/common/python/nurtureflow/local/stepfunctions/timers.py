"""The one queue of work: callbacks keyed by virtual due time, first due first, ties in arrival order."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(order=True)
class _Entry:
    due: datetime
    sequence: int
    callback: Callable[[], None] = field(compare=False)


class TimerQueue:
    """A heap of due callbacks. Not thread-safe: the service guards it with its lock."""

    def __init__(self) -> None:
        self._heap: list[_Entry] = []
        self._sequence = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, due: datetime, callback: Callable[[], None]) -> None:
        heapq.heappush(self._heap, _Entry(due, next(self._sequence), callback))

    def next_due(self) -> datetime | None:
        return self._heap[0].due if self._heap else None

    def has_due(self, now: datetime) -> bool:
        return bool(self._heap) and self._heap[0].due <= now

    def pop_due(self, now: datetime) -> Callable[[], None] | None:
        """The earliest callback due at or before ``now``, removed from the queue; None if nothing is due."""
        if not self._heap or self._heap[0].due > now:
            return None
        return heapq.heappop(self._heap).callback
