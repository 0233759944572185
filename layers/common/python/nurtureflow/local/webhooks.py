"""What answers a workflow's HTTP Tasks in the local stack: a stand-in receiver for the deployment's
webhook connections.

Locally no request leaves the machine. Each connection of the local deployment (``crm``:
``https://crm.shop.internal/``) is answered here, as its receiver would: the request is checked as
EventBridge and Step Functions would send it (the connection's API key header added, the body as
given), recorded for ``GET /_local/webhooks``, and answered with what a test or a person queued for
that URL (``POST /_local/webhooks`` with ``{"url", "status", "body"}``), else ``200 {"received":
true}``. A queued ``"status": 0`` stands for no answer at all (``States.Http.Socket``).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nurtureflow.local.stepfunctions.http_task import HttpSocketError

# The local connections' API key: what the receiver sees in the connection's header.
LOCAL_API_KEY = "local-crm-api-key"


@dataclass(frozen=True)
class LocalConnection:
    arn: str
    base_url: str
    api_key_name: str


@dataclass
class LocalWebhookReceiver:
    connections: Mapping[str, LocalConnection]  # by ARN
    received: list[dict[str, Any]] = field(default_factory=list)
    _queued: dict[str, deque[tuple[int, Any]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def queue(self, url: str, status: int, body: Any = None) -> None:
        """The next call of ``url`` gets this answer (then the default again)."""
        with self._lock:
            self._queued.setdefault(url, deque()).append((status, body))

    def deliver(self, request: dict[str, Any]) -> dict[str, Any]:
        """The HTTP Task's result for ``request`` (see ``stepfunctions.http_task``)."""
        connection = self.connections.get(request["connection"])
        if connection is None or not request["url"].startswith(connection.base_url):
            # Only the deployment's connections reach anything locally: nothing leaves the machine.
            raise HttpSocketError(f"the local stack has no receiver for {request['url']}")
        headers = {**request["headers"], connection.api_key_name: LOCAL_API_KEY}
        with self._lock:
            self.received.append({**request, "headers": headers})
            answers = self._queued.get(request["url"])
            status, body = answers.popleft() if answers else (200, {"received": True})
        if status == 0:
            raise HttpSocketError("no answer within 60 seconds")
        return {
            "StatusCode": status,
            "StatusText": "OK" if status < 300 else "Error",
            "Headers": {"Content-Type": ["application/json"]},
            "ResponseBody": body if isinstance(body, str) else json.loads(json.dumps(body)),
        }

    def route(self, method: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """``GET /_local/webhooks``: what was received; ``POST``: queue an answer."""
        if method == "GET":
            with self._lock:
                return 200, {"received": list(self.received)}
        try:
            asked = json.loads(body or b"{}")
            self.queue(str(asked["url"]), int(asked.get("status", 200)), asked.get("body"))
        except (ValueError, KeyError, TypeError):
            return 400, {"error": "invalid_request", "message": 'give {"url", "status", "body"}'}
        return 202, {"queued": asked["url"]}
