"""The one queue of work: callbacks keyed by virtual due time, first due first, ties in arrival order."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from datetime import datetime

# (due, sequence, callback): plain tuples compare in C, several times faster than an ordered dataclass;
# the sequence is unique, so the callback is never compared.
_Entry = tuple[datetime, int, Callable[[], None]]


class TimerQueue:
    """A heap of due callbacks. Not thread-safe: the service guards it with its lock."""

    def __init__(self) -> None:
        self._heap: list[_Entry] = []
        self._sequence = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, due: datetime, callback: Callable[[], None]) -> None:
        heapq.heappush(self._heap, (due, next(self._sequence), callback))

    def next_due(self) -> datetime | None:
        return self._heap[0][0] if self._heap else None

    def has_due(self, now: datetime) -> bool:
        return bool(self._heap) and self._heap[0][0] <= now

    def pop_due(self, now: datetime) -> Callable[[], None] | None:
        """The earliest callback due at or before ``now``, removed from the queue; None if nothing is due."""
        if not self._heap or self._heap[0][0] > now:
            return None
        return heapq.heappop(self._heap)[2]
