"""Task states that call an HTTPS API: ``arn:aws:states:::http:invoke`` (Step Functions' HTTP Task).

The runtime checks what it can see of AWS's rules, then hands the request to the task invoker as a
call of ``HTTP_TARGET``; whoever runs the runtime decides what answers it (the local stack: its
webhook receiver; a forecast: a simulated 200). From the AWS page "Call HTTPS APIs in Step
Functions workflows" (https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html):

- ``Parameters`` needs ``ApiEndpoint``, ``Method`` and ``Authentication.ConnectionArn``; the
  connection's credentials are added by Step Functions, and headers such as ``Authorization`` or
  ``Host`` may not be set by the definition.
- The state machine's role needs ``states:InvokeHTTPEndpoint`` and
  ``events:RetrieveConnectionCredentials`` on the connection.
- A non-2xx answer fails the task as ``States.Http.StatusCode.<code>``; no answer within 60 seconds
  as ``States.Http.Socket``. The result is ``{Headers, ResponseBody, StatusCode, StatusText}``.

Stricter than AWS here: only ``https://`` endpoints (AWS refuses plain HTTP too, as a validation
error we cannot reproduce exactly).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from .errors import RUNTIME, TIMEOUT, AccessDeniedError, StatesError
from .history import LazyJson
from .limits import MAX_PAYLOAD_BYTES, result_too_large, size_of
from .runs import PENDING, InvocationResult, Outcome, Run, Runtime

HTTP_INVOKE = "arn:aws:states:::http:invoke"
HTTP_TARGET = "states:::http:invoke"  # the name the task invoker is called with
INVOKE_HTTP_ENDPOINT = "states:InvokeHTTPEndpoint"
RETRIEVE_CONNECTION = "events:RetrieveConnectionCredentials"
HTTP_SOCKET = "States.Http.Socket"
STATUS_ERROR = "States.Http.StatusCode."
PERMISSIONS = "States.Permissions"
_SOURCE = {"resourceType": "http", "resource": "invoke"}  # how the history names the task
METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"})
# Headers a definition may not set (the connection and Step Functions own them).
_FORBIDDEN_HEADERS = frozenset(
    {
        "authorization", "proxy-authorization", "host", "content-length", "connection", "expect",
        "transfer-encoding", "upgrade", "te", "trailer", "via", "forwarded", "max-forwards",
        "accept-encoding", "content-encoding", "cookie", "date", "origin", "referer",
    }
)  # fmt: skip
_FORBIDDEN_PREFIXES = ("x-amz-", "x-amzn-", "x-forwarded-")


class HttpSocketError(Exception):
    """No answer: the connection failed or 60 seconds passed (States.Http.Socket)."""


def is_http_invoke(resource: str) -> bool:
    return resource == HTTP_INVOKE


def start_http_task(runtime: Runtime, run: Run, state: Mapping[str, Any], data: Any) -> Outcome:
    request = _request(data)
    timeout = state.get("TimeoutSeconds")
    details = {"region": runtime.region, "parameters": LazyJson(data), "timeoutInSeconds": timeout}
    runtime.record(run, "TaskScheduled", {**_SOURCE, **details})
    runtime.record(run, "TaskStarted", _SOURCE)
    try:
        # The condition keys AWS evaluates for the call: the role may restrict both.
        called = (("states:HTTPEndpoint", request["url"]), ("states:HTTPMethod", request["method"]))
        runtime.authorize(run, INVOKE_HTTP_ENDPOINT, run.execution.state_machine_arn, called)
        runtime.authorize(run, RETRIEVE_CONNECTION, request["connection"])
    except AccessDeniedError as denied:
        error = StatesError(PERMISSIONS, denied.message or "the role may not call this endpoint")
        runtime.record(run, "TaskFailed", {**_SOURCE, "error": error.name, "cause": error.cause})
        raise error from None  # the state fails as any task's does
    deadline = runtime.now() + timedelta(seconds=timeout) if isinstance(timeout, int) else None
    runtime.invoke(run, HTTP_TARGET, request, _answered, runtime, run, deadline)
    return PENDING


def _request(data: Any) -> dict[str, Any]:
    """The call the parameters describe; States.Runtime naming what is wrong."""
    if not isinstance(data, dict):
        raise StatesError(RUNTIME, "an HTTP Task needs Parameters")
    url = data.get("ApiEndpoint")
    split = urlsplit(url) if isinstance(url, str) else None
    if split is None or split.scheme != "https" or not split.hostname:
        raise StatesError(RUNTIME, f"ApiEndpoint must be an https:// URL, got {json.dumps(url)}")
    method = data.get("Method")
    if method not in METHODS:
        raise StatesError(RUNTIME, f"Method must be one of {', '.join(sorted(METHODS))}")
    connection = (data.get("Authentication") or {}).get("ConnectionArn")
    if not isinstance(connection, str) or not connection.startswith("arn:"):
        raise StatesError(RUNTIME, "an HTTP Task needs Authentication.ConnectionArn")
    headers = data.get("Headers") or {}
    for name in headers:
        lower = str(name).lower()
        if lower in _FORBIDDEN_HEADERS or lower.startswith(_FORBIDDEN_PREFIXES):
            raise StatesError(RUNTIME, f"the header '{name}' may not be set by an HTTP Task")
    body = data.get("RequestBody")
    if query := data.get("QueryParameters"):
        url = f"{url}{'&' if split.query else '?'}{urlencode(query, doseq=True)}"
    return {
        "url": url,
        "method": method,
        "headers": {str(k): str(v) for k, v in headers.items()},
        # A string is sent as it is; anything else as its JSON.
        "body": body if isinstance(body, str) or body is None else json.dumps(body),
        "connection": connection,
    }


def _answered(runtime: Runtime, run: Run, deadline: datetime | None, result: InvocationResult) -> None:
    if deadline is not None and runtime.now() > deadline:
        _fail(runtime, run, StatesError(TIMEOUT, ""))
    elif isinstance(result.exception, HttpSocketError):
        _fail(runtime, run, StatesError(HTTP_SOCKET, str(result.exception)))
    elif result.exception is not None:
        _fail(runtime, run, StatesError("States.TaskFailed", str(result.exception)))
    elif not 200 <= int(result.value.get("StatusCode", 0)) < 300:
        _fail(
            runtime, run, StatesError(f"{STATUS_ERROR}{result.value['StatusCode']}", json.dumps(result.value))
        )
    elif size_of(result.value) > MAX_PAYLOAD_BYTES:
        _fail(runtime, run, result_too_large("http"))
    else:
        runtime.record(run, "TaskSucceeded", {**_SOURCE, "output": LazyJson(result.value)})
        runtime.complete(run, result.value)


def _fail(runtime: Runtime, run: Run, error: StatesError) -> None:
    runtime.record(run, "TaskFailed", {**_SOURCE, "error": error.name, "cause": error.cause})
    runtime.fail(run, error)
