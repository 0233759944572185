"""Lambda's ``Invoke`` for the functions' own calls: the asynchronous kind (``Event``) only.

Lambda answers an ``Event`` invocation 202 at once and runs the function later from its own queue
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html). Locally the queue is a worker
thread that runs one invocation at a time once the request that queued it has been answered. It
takes the gateway's turn while it runs (every handler runs in this one process with its own
environment, and moto is not thread-safe), so API requests made meanwhile wait for it: in AWS they
would run beside it. An invocation that raises is logged and dropped, as Lambda drops one whose
retries are spent (the stack's asynchronous callers set none).
"""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.awsrequest import AWSPreparedRequest

from nurtureflow.local.in_process import Answer, Deliver, request_body

INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<function>[^/]+)/invocations$")
# An asynchronous invocation's payload limit (the Invoke API reference: 256 KB for Event).
MAX_EVENT_PAYLOAD = 256 * 1024
logger = logging.getLogger("nurtureflow.local")

Run = Callable[[str, Any], Any]  # runs a function (by name or ARN) on a payload


class LocalLambdaApi:
    def __init__(
        self,
        run: Run,
        known: Callable[[str], bool],
        turn: Callable[[], AbstractContextManager[Any]],
        after: Callable[[], None],
    ) -> None:
        """``run`` invokes a function in-process; ``known`` says whether a function exists; ``turn``
        is the gateway's one-at-a-time lock; ``after`` runs what the invocation set in motion."""
        self._run, self._known, self._turn, self._after = run, known, turn, after
        self._queue: queue.Queue[tuple[str, Any] | None] = queue.Queue()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._work, name="lambda-async", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every queued invocation has run (tests, and the stack's own shutdown)."""
        return self._idle.wait(timeout)

    def deliver(self, fallback: Deliver) -> Deliver:
        """A transport for the wire endpoint: Lambda's Invoke paths here, the rest to ``fallback``."""

        def deliver(request: AWSPreparedRequest) -> Answer:
            matched = INVOKE_PATH.match(urlsplit(request.url).path)
            if matched is None:
                return fallback(request)
            return self.invoke(
                unquote(matched["function"]),
                _header(request, "X-Amz-Invocation-Type") or "RequestResponse",
                request_body(request),
            )

        return deliver

    def invoke(self, function: str, invocation_type: str, payload: bytes) -> Answer:
        if invocation_type != "Event":
            return _error(400, "InvalidParameterValueException", "only Event invocations are emulated")
        if not self._known(function):
            return _error(404, "ResourceNotFoundException", f"Function not found: {function}")
        if len(payload) > MAX_EVENT_PAYLOAD:
            message = f"Request must be smaller than {MAX_EVENT_PAYLOAD} bytes for the Event invocation type"
            return _error(413, "RequestEntityTooLargeException", message)
        try:
            event = json.loads(payload or b"{}")
        except ValueError:
            return _error(400, "InvalidRequestContentException", "Could not parse request body into json")
        self._idle.clear()
        self._queue.put((function, event))
        return 202, {"Content-Type": "application/json"}, b""

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            function, event = item
            with self._turn():
                try:
                    self._run(function, event)
                except Exception:
                    logger.exception("the asynchronous invocation of %s failed", function)
                self._after()
            if self._queue.empty():
                self._idle.set()


def _header(request: AWSPreparedRequest, name: str) -> str:
    value = request.headers.get(name, b"")
    return value.decode() if isinstance(value, bytes) else str(value)


def _error(status: int, code: str, message: str) -> Answer:
    body = json.dumps({"Type": "User", "Message": message}).encode()
    return status, {"Content-Type": "application/json", "X-Amzn-ErrorType": code}, body
