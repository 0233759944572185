"""The local API Gateway: the contract's routes on loopback, turned into REST proxy events for the
same handlers that run in Lambda, plus the local-only ``/_local`` routes.

Paths are laid out as API Gateway lays out a REST API's: the stage first (``/v1/v1/events``, as
``ApiUrl`` + ``/v1/events`` in AWS), and a path without it, or with no route, answers 403 "Missing
Authentication Token". Bodies are base64-encoded, and answers decoded, as the API's binary media
types decide (``is_binary``), so a pixel that AWS would return as base64 text comes back so here too.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from nurtureflow.api.routes import ROUTES, Route

logger = logging.getLogger("nurtureflow.local.gateway")


@dataclass(frozen=True)
class LocalPage:
    """A local route's answer that is a page, not JSON."""

    body: str
    content_type: str = "text/html; charset=utf-8"


@dataclass(frozen=True)
class LocalRedirect:
    """A local route's answer that sends the browser on (a 302 to ``location``)."""

    location: str


Invoke = Callable[[str, dict[str, Any]], dict[str, Any]]
LocalRoute = Callable[[str, bytes], tuple[int, Any]]


def with_query(route: Callable[[str, bytes, str], tuple[int, Any]]) -> LocalRoute:
    """A local route that also reads the query string (its third argument)."""

    def reading_query(method: str, body: bytes, query: str) -> tuple[int, Any]:
        return route(method, body, query)

    reading_query.takes_query = True  # type: ignore[attr-defined]
    return reading_query  # type: ignore[return-value]


_TEXT_TYPES = ("application/json", "application/x-www-form-urlencoded", "text/")
# API Gateway's payload quota for a REST API: 10 MB (its REQUEST_TOO_LARGE answer is a 413).
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
READ_TIMEOUT_SECONDS = 30.0


class _Server(ThreadingHTTPServer):
    # socketserver's listen backlog is 5. With twenty clients connecting at once on a busy machine,
    # connections were reset (test_concurrent_clients: 2 of 4 runs with both cores loaded, 0 of 3
    # with 128); API Gateway accepts them all.
    request_queue_size = 128


def _matcher(route: Route) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", route.path) + "$")


_MATCHERS = [(route, _matcher(route)) for route in ROUTES]


def _header(headers: dict[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), "")


def is_binary(media_type: str, binary_media_types: list[str]) -> bool:
    """Whether API Gateway treats ``media_type`` (a Content-Type, or the first type of an Accept
    header) as binary: it matches one of the API's binary media types, where ``*/*`` matches every
    type (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html)."""
    first = media_type.split(",", 1)[0].split(";", 1)[0].strip().lower()
    return any(pattern == "*/*" or fnmatch.fnmatchcase(first, pattern) for pattern in binary_media_types)


def proxy_event(
    method: str,
    raw_path: str,
    headers: dict[str, str],
    body: bytes,
    source_ip: str,
    stage: str = "v1",
    binary_media_types: list[str] | None = None,
) -> tuple[Route, dict[str, Any]] | None:
    """The API Gateway REST proxy event for a request (its path without the stage), or None when
    no route matches."""
    split = urlsplit(raw_path)
    for route, pattern in _MATCHERS:
        found = pattern.match(split.path)
        if route.method == method and found:
            query = parse_qs(split.query, keep_blank_values=True)
            if binary_media_types is None:
                text = any(t in headers.get("Content-Type", "") for t in _TEXT_TYPES) or not body
            else:
                text = not is_binary(_header(headers, "Content-Type"), binary_media_types)
            return route, {
                "resource": route.path,
                "path": split.path,
                "httpMethod": method,
                "headers": headers,
                "multiValueHeaders": {k: [v] for k, v in headers.items()},
                "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
                "multiValueQueryStringParameters": query or None,
                "pathParameters": found.groupdict() or None,
                "stageVariables": None,
                "requestContext": {
                    "resourcePath": route.path,
                    "httpMethod": method,
                    "path": f"/{stage}{split.path}",
                    "stage": stage,
                    "requestId": str(uuid.uuid4()),
                    "identity": {"sourceIp": source_ip, "userAgent": headers.get("User-Agent")},
                },
                "body": (body.decode("utf-8") if text else base64.b64encode(body).decode()) if body else None,
                "isBase64Encoded": bool(body) and not text,
            }
    return None


class LocalGateway:
    """One request at a time: the local stack is a developer's tool, and order makes it predictable."""

    def __init__(
        self,
        invoke: Invoke,
        local_routes: dict[tuple[str, str], LocalRoute],
        after_request: Callable[[], None],
        host: str,
        port: int,
        stage: str = "v1",
        binary_media_types: list[str] | None = None,
    ) -> None:
        self._invoke, self._local, self._after = invoke, local_routes, after_request
        self.stage = stage
        self._binary_media_types = binary_media_types or []
        self._lock = threading.Lock()
        self._serving = False
        self._server = _Server((host, port), self._handler_class())
        self._server.daemon_threads = True

    def add_local_routes(self, routes: dict[tuple[str, str], LocalRoute]) -> None:
        """Routes known only once the gateway listens (they need its address)."""
        with self._lock:
            self._local.update(routes)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def serve_forever(self) -> None:
        self._serving = True
        self._server.serve_forever()

    def start(self) -> None:
        threading.Thread(target=self.serve_forever, name="gateway", daemon=True).start()

    def stop(self) -> None:
        # shutdown() waits for serve_forever() to return: it would block forever if it never ran.
        if self._serving:
            self._server.shutdown()
        self._server.server_close()

    def turn(self) -> threading.Lock:
        """The one-at-a-time lock requests take (``with gateway.turn():``): what else runs a handler
        in this process (Lambda's asynchronous invocations) takes its turn with them."""
        return self._lock

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes, source_ip: str
    ) -> tuple[int, dict[str, str], bytes]:
        # One request at a time: each handler runs with its own function's environment, swapped
        # into this one process (``local.lambdas``), and moto's backends are not thread-safe.
        # Concurrent clients queue here; AWS would run them side by side (docs/local-stack.md).
        with self._lock:
            local = self._local.get((method, urlsplit(path).path))
            if local is not None:
                if getattr(local, "takes_query", False):
                    status, answer = local(method, body, urlsplit(path).query)  # type: ignore[call-arg]
                else:
                    status, answer = local(method, body)
                if isinstance(answer, LocalRedirect):
                    return status, {"Location": answer.location, "Cache-Control": "no-store"}, b""
                if isinstance(answer, LocalPage):
                    return status, {"Content-Type": answer.content_type}, answer.body.encode()
                return status, {"Content-Type": "application/json"}, json.dumps(answer).encode()
            prefix = f"/{self.stage}"
            staged = path.startswith(prefix + "/") or path.startswith(prefix + "?")
            try:
                matched = (
                    proxy_event(
                        method,
                        path[len(prefix) :],
                        headers,
                        body,
                        source_ip,
                        self.stage,
                        self._binary_media_types,
                    )
                    if staged
                    else None
                )
            except UnicodeDecodeError:
                # A text body reaches Lambda as a string: bytes that are not UTF-8 cannot.
                return (
                    400,
                    {"Content-Type": "application/json"},
                    b'{"message": "The body is not valid UTF-8"}',
                )
            if matched is None:
                # API Gateway's answer to a path or method that no resource of the stage has.
                answer = {"message": "Missing Authentication Token"}
                error_headers = {
                    "Content-Type": "application/json",
                    "x-amzn-ErrorType": "MissingAuthenticationTokenException",
                }
                return 403, error_headers, json.dumps(answer).encode()
            route, event = matched
            try:
                response = self._invoke(route.function, event)
            except Exception:
                # A function that raises is a 502 from API Gateway, with this body.
                logger.exception("%s %s: the %s function failed", method, path, route.function)
                self._after()
                return 502, {"Content-Type": "application/json"}, b'{"message": "Internal server error"}'
            self._after()
        out_headers = {k: str(v) for k, v in (response.get("headers") or {}).items()}
        for key, values in (response.get("multiValueHeaders") or {}).items():
            out_headers[key] = ", ".join(str(v) for v in values)
        raw = response.get("body") or ""
        # A base64 body is decoded only when the client accepts a binary media type; else AWS
        # passes the base64 text through.
        binary = response.get("isBase64Encoded") and is_binary(
            _header(headers, "Accept"), self._binary_media_types
        )
        data = base64.b64decode(raw) if binary else str(raw).encode()
        return int(response["statusCode"]), out_headers, data

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        # A client that stops sending mid-body is dropped after READ_TIMEOUT_SECONDS, not held forever.
        return type("Handler", (_RequestHandler,), {"gateway": self, "timeout": READ_TIMEOUT_SECONDS})


class _RequestHandler(BaseHTTPRequestHandler):
    """One HTTP request to ``gateway``; every answer is JSON, as API Gateway's are."""

    gateway: LocalGateway

    def _serve(self) -> None:
        length = _content_length(self.headers.get("Content-Length"))
        if isinstance(length, _Refusal):
            self.close_connection = True
            self._answer(length.status, {"Content-Type": "application/json"}, length.body)
            return
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            self.close_connection = True
            self._answer(408, {"Content-Type": "application/json"}, b'{"message": "Request Timeout"}')
            return
        headers = {k: v for k, v in self.headers.items()}
        status, out_headers, data = self.gateway.handle(
            self.command, self.path, headers, body, self.client_address[0]
        )
        self._answer(status, out_headers, data)

    def _answer(self, status: int, out_headers: dict[str, str], data: bytes) -> None:
        self.send_response(status)
        for key, value in out_headers.items():
            if key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def __getattr__(self, name: str) -> Any:
        # Every method reaches the routes (an unconfigured one gets API Gateway's 403), not
        # http.server's HTML 501.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server's own refusals (a malformed request line, a header too long), in JSON.
        body = json.dumps({"message": message or self.responses.get(code, ("Error",))[0]}).encode()
        self.close_connection = True
        try:
            self._answer(code, {"Content-Type": "application/json"}, body)
        except OSError:  # the client is gone: nobody to answer
            return

    def log_message(self, format: str, *args: Any) -> None:
        return


@dataclass(frozen=True)
class _Refusal:
    status: int
    body: bytes


def _content_length(header: str | None) -> int | _Refusal:
    """The body's length from its header, or the refusal API Gateway would give."""
    if header is None or header.strip() == "":
        return 0
    text = header.strip()
    if not text.isdigit():  # "abc", "-5", "1e3": not a length
        return _Refusal(400, b'{"message": "Content-Length must be a whole number of bytes"}')
    if int(text) > MAX_PAYLOAD_BYTES:
        return _Refusal(413, b'{"message": "Request Too Long"}')
    return int(text)
