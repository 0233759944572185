"""The local API Gateway: the contract's routes on loopback, turned into REST proxy events for the
same handlers that run in Lambda, plus the local-only ``/_local`` routes."""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from nurtureflow.api.routes import ROUTES, Route


@dataclass(frozen=True)
class LocalPage:
    """A local route's answer that is a page, not JSON."""

    body: str
    content_type: str = "text/html; charset=utf-8"


Invoke = Callable[[str, dict[str, Any]], dict[str, Any]]
LocalRoute = Callable[[str, bytes], tuple[int, Any]]
_TEXT_TYPES = ("application/json", "application/x-www-form-urlencoded", "text/")


def _matcher(route: Route) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", route.path) + "$")


_MATCHERS = [(route, _matcher(route)) for route in ROUTES]


def proxy_event(
    method: str, raw_path: str, headers: dict[str, str], body: bytes, source_ip: str
) -> tuple[Route, dict[str, Any]] | None:
    """The API Gateway REST proxy event for a request, or None when no route matches."""
    split = urlsplit(raw_path)
    for route, pattern in _MATCHERS:
        found = pattern.match(split.path)
        if route.method == method and found:
            query = parse_qs(split.query, keep_blank_values=True)
            text = any(t in headers.get("Content-Type", "") for t in _TEXT_TYPES) or not body
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
                    "path": f"/v1{split.path}",
                    "stage": "v1",
                    "requestId": str(uuid.uuid4()),
                    "identity": {"sourceIp": source_ip, "userAgent": headers.get("User-Agent")},
                },
                "body": (body.decode() if text else base64.b64encode(body).decode()) if body else None,
                "isBase64Encoded": not text,
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
    ) -> None:
        self._invoke, self._local, self._after = invoke, local_routes, after_request
        self._lock = threading.Lock()
        self._serving = False
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True

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

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes, source_ip: str
    ) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            local = self._local.get((method, urlsplit(path).path))
            if local is not None:
                status, answer = local(method, body)
                if isinstance(answer, LocalPage):
                    return status, {"Content-Type": answer.content_type}, answer.body.encode()
                return status, {"Content-Type": "application/json"}, json.dumps(answer).encode()
            matched = proxy_event(method, path, headers, body, source_ip)
            if matched is None:
                answer = {
                    "error": "not_found",
                    "message": f"no route {method} {urlsplit(path).path}",
                    "details": [],
                }
                return 404, {"Content-Type": "application/json"}, json.dumps(answer).encode()
            route, event = matched
            response = self._invoke(route.function, event)
            self._after()
        out_headers = {k: str(v) for k, v in (response.get("headers") or {}).items()}
        for key, values in (response.get("multiValueHeaders") or {}).items():
            out_headers[key] = ", ".join(str(v) for v in values)
        raw = response.get("body") or ""
        data = base64.b64decode(raw) if response.get("isBase64Encoded") else str(raw).encode()
        return int(response["statusCode"]), out_headers, data

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items()}
                status, out_headers, data = gateway.handle(
                    self.command, self.path, headers, body, self.client_address[0]
                )
                self.send_response(status)
                for key, value in out_headers.items():
                    if key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_OPTIONS = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler
