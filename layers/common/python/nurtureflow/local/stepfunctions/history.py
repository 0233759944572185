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


# (type, timestamp, previousEventId, details): a tuple is a fifth of the size of the event's dict.
# State events, most of any history, are (type, timestamp, previousEventId, state name, input or output).
_Record = tuple[str, datetime, int, Mapping[str, Any] | None] | tuple[str, datetime, int, str, Any]


class History:
    """Events in the order they happened; ids count from 1.

    With ``keep=False`` events are counted (ids, and the MAX_EVENTS limit, work as ever) but not kept:
    ``events`` is empty, as for an Express workflow.
    """

    __slots__ = ("_count", "_records")

    def __init__(self, keep: bool = True) -> None:
        self._count = 0
        self._records: list[_Record] | None = [] if keep else None

    def __len__(self) -> int:
        """How many events were recorded (kept or not)."""
        return self._count

    @property
    def keeping(self) -> bool:
        return self._records is not None

    def record(
        self, event_type: str, at: datetime, previous_id: int, details: Mapping[str, Any] | None = None
    ) -> int:
        """Append an event and return its id. ``details`` is kept as given: don't change it afterwards."""
        self._count += 1
        if self._records is not None:
            self._records.append((event_type, at, previous_id, details))
        return self._count

    def record_state(self, event_type: str, at: datetime, previous_id: int, name: str, data: Any) -> int:
        """Append a ``…StateEntered`` event (``data`` is the state's input) or ``…StateExited`` (its
        output), and return its id."""
        self._count += 1
        if self._records is not None:
            self._records.append((event_type, at, previous_id, name, data))
        return self._count

    @property
    def events(self) -> list[dict[str, Any]]:
        """The events as GetExecutionHistory returns them, freshly built: callers may change them."""
        if self._records is None:
            return []
        return [_event(number, record) for number, record in enumerate(self._records, start=1)]

    def types(self) -> list[str]:
        """The event types in order (handy in tests and logs)."""
        return [record[0] for record in self._records or ()]


def _event(number: int, record: _Record) -> dict[str, Any]:
    event_type, at, previous_id = record[0], record[1], record[2]
    event: dict[str, Any] = {
        "timestamp": at,
        "type": event_type,
        "id": number,
        "previousEventId": previous_id,
    }
    details: Mapping[str, Any] | None
    if len(record) == 5:
        key = "input" if event_type.endswith("Entered") else "output"
        details = {"name": record[3], key: LazyJson(record[4]), f"{key}Details": NOT_TRUNCATED}
    else:
        details = record[3]
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
