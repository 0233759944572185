"""An execution's event history, shaped like GetExecutionHistory's ``events``.

Events are kept compact and shaped only when read: an input or output is kept as the value itself
(``LazyJson``) and written as JSON text on reading. That is the text it would have been when recorded,
because the runtime never changes a value in place: paths copy the containers they change, and task
handlers get, and give back, copies.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from .paths import to_json

# AWS fails an execution whose history would grow past this many events (it also stops runaway loops here).
MAX_EVENTS = 25_000

# Nothing is ever truncated locally; one shared, read-only copy (reading the history copies it).
NOT_TRUNCATED: Mapping[str, bool] = MappingProxyType({"truncated": False})


class LazyJson:
    """A value recorded now, written as compact JSON text when the history is read."""

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        self._value = value

    @property
    def value(self) -> Any:
        return self._value


def details_key(event_type: str) -> str:
    """The member that carries an event's details: ``TaskScheduled`` -> ``taskScheduledEventDetails``,
    but every ``…StateEntered`` / ``…StateExited`` event uses ``stateEnteredEventDetails`` /
    ``stateExitedEventDetails``."""
    for suffix in ("StateEntered", "StateExited"):
        if event_type.endswith(suffix):
            return f"state{suffix.removeprefix('State')}EventDetails"
    return event_type[0].lower() + event_type[1:] + "EventDetails"


# Events are kept flat, five slots each, in one list per execution: no object per event for the memory and
# the garbage collector to carry. A state event (most of any history) is type, timestamp, previousEventId,
# the state's name and its input or output; any other is type, timestamp, previousEventId, details, None.
_SLOTS = 5


class History:
    """Events in the order they happened; ids count from 1.

    With ``keep=False`` events are counted (ids, and the MAX_EVENTS limit, work as ever) but not kept:
    ``events`` is empty, as for an Express workflow.
    """

    __slots__ = ("_count", "_slots")

    def __init__(self, keep: bool = True) -> None:
        self._count = 0
        self._slots: list[Any] | None = [] if keep else None

    def __len__(self) -> int:
        """How many events were recorded (kept or not)."""
        return self._count

    @property
    def keeping(self) -> bool:
        return self._slots is not None

    def record(
        self, event_type: str, at: datetime, previous_id: int, details: Mapping[str, Any] | None = None
    ) -> int:
        """Append an event and return its id. ``details`` is kept as given: don't change it afterwards."""
        self._count += 1
        if self._slots is not None:
            self._slots += (event_type, at, previous_id, details, None)
        return self._count

    def record_state(self, event_type: str, at: datetime, previous_id: int, name: str, data: Any) -> int:
        """Append a ``…StateEntered`` event (``data`` is the state's input) or ``…StateExited`` (its
        output), and return its id."""
        self._count += 1
        if self._slots is not None:
            self._slots += (event_type, at, previous_id, name, data)
        return self._count

    @property
    def events(self) -> list[dict[str, Any]]:
        """The events as GetExecutionHistory returns them, freshly built: callers may change them."""
        slots = self._slots or []
        return [
            _event(start // _SLOTS + 1, *slots[start : start + _SLOTS])
            for start in range(0, len(slots), _SLOTS)
        ]

    def types(self) -> list[str]:
        """The event types in order (handy in tests and logs)."""
        return [str(event_type) for event_type in (self._slots or [])[::_SLOTS]]


def _event(
    number: int, event_type: str, at: datetime, previous_id: int, fourth: Any, fifth: Any
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "timestamp": at,
        "type": event_type,
        "id": number,
        "previousEventId": previous_id,
    }
    details: Mapping[str, Any] | None = fourth
    if isinstance(fourth, str):  # a state event: the state's name, and its input or output
        key = "input" if event_type.endswith("Entered") else "output"
        details = {"name": fourth, key: LazyJson(fifth), f"{key}Details": NOT_TRUNCATED}
    if details is not None:
        event[details_key(event_type)] = {
            key: _read(value) for key, value in details.items() if value is not None
        }
    return event


def _read(value: Any) -> Any:
    if isinstance(value, LazyJson):
        return to_json(value.value)
    if isinstance(value, Mapping):
        return dict(value)
    return value
