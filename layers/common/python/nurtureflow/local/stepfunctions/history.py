"""An execution's event history, shaped like GetExecutionHistory's ``events``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

# AWS fails an execution whose history would grow past this many events (it also stops runaway loops here).
MAX_EVENTS = 25_000


def details_key(event_type: str) -> str:
    """The member that carries an event's details: ``TaskScheduled`` -> ``taskScheduledEventDetails``,
    but every ``…StateEntered`` / ``…StateExited`` event uses ``stateEnteredEventDetails`` /
    ``stateExitedEventDetails``."""
    for suffix in ("StateEntered", "StateExited"):
        if event_type.endswith(suffix):
            return f"state{suffix.removeprefix('State')}EventDetails"
    return event_type[0].lower() + event_type[1:] + "EventDetails"


class History:
    """Events in the order they happened; ids count from 1."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self.events)

    def record(
        self, event_type: str, at: datetime, previous_id: int, details: dict[str, Any] | None = None
    ) -> int:
        """Append an event and return its id."""
        event: dict[str, Any] = {
            "timestamp": at,
            "type": event_type,
            "id": len(self.events) + 1,
            "previousEventId": previous_id,
        }
        if details is not None:
            event[details_key(event_type)] = {
                key: value for key, value in details.items() if value is not None
            }
        self.events.append(event)
        return int(event["id"])

    def types(self) -> list[str]:
        """The event types in order (handy in tests and logs)."""
        return [str(event["type"]) for event in self.events]
