"""A local EventBridge: PutEvents on the wire, events held per bus until the stack routes them by the
template's rules (``LocalStack._route``)."""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from nurtureflow.clock import Clock

Deliver = Callable[[str, dict[str, Any]], Any]


# PutEvents takes at most 10 entries
# (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html).
MAX_ENTRIES = 10


class LocalEventBus:
    """The buses the stack deploys (and ``default``); each event is handed to ``target`` with the
    name of the bus it was put on."""

    def __init__(self, clock: Clock, account: str, region: str) -> None:
        self._clock, self._account, self._region = clock, account, region
        self._pending: deque[tuple[str, dict[str, Any]]] = deque()
        self._lock = threading.Lock()
        self.target: Deliver | None = None
        self.buses: frozenset[str] = frozenset({"default"})

    def put(self, source: str, detail_type: str, detail: dict[str, Any], bus: str = "default") -> str:
        envelope = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": detail_type,
            "source": source,
            "account": self._account,
            "time": _iso(self._clock.now()),
            "region": self._region,
            "resources": [],
            "detail": detail,
        }
        with self._lock:
            self._pending.append((bus, envelope))
        return str(envelope["id"])

    def handle_request(self, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """The AWS JSON 1.1 protocol of ``AWSEvents.PutEvents``."""
        if target != "AWSEvents.PutEvents":
            return 400, {"__type": "UnknownOperationException", "message": f"{target} is not emulated"}
        entries = json.loads(body or b"{}").get("Entries", [])
        if not 1 <= len(entries) <= MAX_ENTRIES:
            message = (
                "1 validation error detected: Value at 'entries' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_ENTRIES}"
            )
            return 400, {"__type": "ValidationException", "message": message}
        names = [str(e.get("EventBusName") or "default").rsplit("/", 1)[-1] for e in entries]
        unknown = sorted(set(names) - self.buses)
        if unknown:
            return 400, {
                "__type": "ResourceNotFoundException",
                "message": f"Event bus {unknown[0]} does not exist.",
            }
        results = [
            {"EventId": self.put(e["Source"], e["DetailType"], json.loads(e["Detail"]), bus)}
            for e, bus in zip(entries, names, strict=True)
        ]
        return 200, {"FailedEntryCount": 0, "Entries": results}

    def deliver_pending(self) -> int:
        """Hand every pending event to the target; the number delivered."""
        delivered = 0
        while True:
            with self._lock:
                if not self._pending:
                    return delivered
                bus, envelope = self._pending.popleft()
            if self.target is not None:
                self.target(bus, envelope)
            delivered += 1


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
