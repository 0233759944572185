"""Publishing tracked events to the EventBridge bus that feeds the trigger function."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from nurtureflow.aws.clients import client
from nurtureflow.events.model import TrackedEvent

SOURCE = "nurtureflow.track"
DETAIL_TYPE = "Tracked Event"
_PUT_LIMIT = 10  # PutEvents takes at most ten entries a call


class PublishError(Exception):
    """EventBridge refused some entries."""


class EventBus:
    def __init__(self, bus_name: str) -> None:
        self._bus = bus_name

    def put(self, detail_type: str, detail: dict[str, Any]) -> None:
        """One platform event of another kind than a tracked event (a manual enrolment, …)."""
        result = client("events").put_events(
            Entries=[
                {
                    "Source": SOURCE,
                    "DetailType": detail_type,
                    "EventBusName": self._bus,
                    "Detail": json.dumps(detail),
                }
            ]
        )
        if result.get("FailedEntryCount"):
            raise PublishError(f"{detail_type} not published")

    def publish(self, events: Sequence[TrackedEvent]) -> None:
        for start in range(0, len(events), _PUT_LIMIT):
            chunk = events[start : start + _PUT_LIMIT]
            result = client("events").put_events(
                Entries=[
                    {
                        "Source": SOURCE,
                        "DetailType": DETAIL_TYPE,
                        "EventBusName": self._bus,
                        "Detail": event.model_dump_json(exclude_none=True),
                    }
                    for event in chunk
                ]
            )
            if result.get("FailedEntryCount"):
                raise PublishError(f"{result['FailedEntryCount']} event(s) not published")
