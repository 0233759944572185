"""A local EventBridge: PutEvents on the wire, delivered to the trigger function in-process."""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from nurtureflow.clock import Clock

Deliver = Callable[[dict[str, Any]], Any]


class LocalEventBus:
    """Every event on the bus goes to one target, as the stack's rules send them all to the trigger."""

    def __init__(self, clock: Clock, account: str, region: str) -> None:
        self._clock, self._account, self._region = clock, account, region
        self._pending: deque[dict[str, Any]] = deque()
        self._lock = threading.Lock()
        self.target: Deliver | None = None

    def put(self, source: str, detail_type: str, detail: dict[str, Any]) -> str:
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
            self._pending.append(envelope)
        return str(envelope["id"])

    def handle_request(self, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """The AWS JSON 1.1 protocol of ``AWSEvents.PutEvents``."""
        if target != "AWSEvents.PutEvents":
            return 400, {"__type": "UnknownOperationException", "message": f"{target} is not emulated"}
        entries = json.loads(body or b"{}").get("Entries", [])
        results = [
            {"EventId": self.put(e["Source"], e["DetailType"], json.loads(e["Detail"]))} for e in entries
        ]
        return 200, {"FailedEntryCount": 0, "Entries": results}

    def deliver_pending(self) -> int:
        """Hand every pending event to the target; the number delivered."""
        delivered = 0
        while True:
            with self._lock:
                if not self._pending:
                    return delivered
                envelope = self._pending.popleft()
            if self.target is not None:
                self.target(envelope)
            delivered += 1


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
