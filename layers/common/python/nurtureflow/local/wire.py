"""A loopback HTTP endpoint speaking the AWS JSON protocols that boto3 uses for Step Functions and
EventBridge, so the functions reach the local runtime and bus exactly as they reach AWS."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Service = Callable[[str, bytes], tuple[int, dict[str, Any]]]


class AwsWireServer:
    def __init__(self, services: dict[str, Service], host: str = "127.0.0.1", port: int = 0) -> None:
        self._services = services
        self._host = host
        handler = self._handler_class()
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="aws-wire", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._server.server_port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, target: str, body: bytes) -> tuple[int, bytes]:
        """What the endpoint answers to a POST with this ``X-Amz-Target``: the status and JSON body
        (also for a caller in this process, which need not go through the socket)."""
        return answer(self._services, target, body)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        services = self._services

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                target = self.headers.get("X-Amz-Target", "")
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, data = answer(services, target, body)
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


def answer(services: dict[str, Service], target: str, body: bytes) -> tuple[int, bytes]:
    service = services.get(target.split(".", 1)[0])
    if service is None:
        status, reply = 400, {"__type": "UnknownOperationException", "message": target}
    else:
        status, reply = service(target, body)
    return status, json.dumps(reply, default=str).encode()
