"""The local gateway as a hostile or clumsy client meets it over a raw socket: every answer is
JSON, nothing hangs, and nothing reaches a function that API Gateway would not pass on.

API Gateway's quotas and answers: a REST API's payload is at most 10 MB (REQUEST_TOO_LARGE, 413,
"Request Too Long"), and a method or path with no resource gets 403 "Missing Authentication
Token" (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from nurtureflow.local import gateway as gateway_module
from nurtureflow.local.gateway import LocalGateway


class _Functions:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def invoke(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        return {"statusCode": 202, "headers": {"Content-Type": "application/json"}, "body": '{"accepted": 1}'}


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LocalGateway, _Functions]]:
    monkeypatch.setattr(gateway_module, "READ_TIMEOUT_SECONDS", 1.0)
    functions = _Functions()
    local = LocalGateway(functions.invoke, {}, lambda: None, "127.0.0.1", 0, "v1", ["*/*"])
    local.start()
    yield local, functions
    local.stop()


def _exchange(port: int, raw: bytes, wait: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as conn:
        conn.sendall(raw)
        received = b""
        while True:
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            received += chunk
            head, _, rest = received.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                None,
            )
            if length is not None and len(rest) >= length:
                break
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body


def _post(length: str, body: bytes = b"") -> bytes:
    return (
        b"POST /v1/v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {length}\r\n\r\n".encode()
        + body
    )


@pytest.mark.parametrize("length", ["abc", "-5", "1e3", " 12x"])
def test_a_content_length_that_is_not_a_number_is_a_400_in_json(
    served: tuple[LocalGateway, _Functions], length: str
) -> None:
    local, functions = served
    status, headers, body = _exchange(local.port, _post(length))
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    assert "Content-Length" in json.loads(body)["message"]
    assert functions.events == []


def test_a_body_over_api_gateways_10_mb_is_refused_at_once_with_413(
    served: tuple[LocalGateway, _Functions],
) -> None:
    local, functions = served
    started = time.monotonic()
    status, _, body = _exchange(local.port, _post(str(10 * 1024 * 1024 + 1)))
    assert (status, json.loads(body)) == (413, {"message": "Request Too Long"})
    assert time.monotonic() - started < 5  # answered without waiting for the 10 MB
    assert functions.events == []


def test_a_client_that_sends_less_than_it_announced_is_dropped_after_the_read_timeout(
    served: tuple[LocalGateway, _Functions],
) -> None:
    local, functions = served
    status, _, body = _exchange(local.port, _post("100", b'{"type":'), wait=10)
    assert (status, json.loads(body)) == (408, {"message": "Request Timeout"})
    assert functions.events == []


@pytest.mark.parametrize("method", ["TRACE", "PATCH", "HEAD", "PROPFIND", "CONNECT"])
def test_a_method_without_a_route_gets_api_gateways_403_not_an_html_501(
    served: tuple[LocalGateway, _Functions], method: str
) -> None:
    local, functions = served
    raw = f"{method} /v1/v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode()
    status, headers, body = _exchange(local.port, raw, wait=2)
    assert status == 403
    assert headers["Content-Type"] == "application/json"
    assert headers.get("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    if method != "HEAD":  # a HEAD answer has no body
        assert json.loads(body) == {"message": "Missing Authentication Token"}
    assert functions.events == []


def test_a_header_too_long_is_answered_in_json(served: tuple[LocalGateway, _Functions]) -> None:
    local, _ = served
    raw = b"GET /v1/v1/tracker.js HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"
    status, headers, body = _exchange(local.port, raw, wait=2)
    assert status == 431
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["message"]


def test_invalid_utf8_in_a_text_body_is_a_400_when_the_api_has_no_binary_types() -> None:
    functions = _Functions()
    local = LocalGateway(functions.invoke, {}, lambda: None, "127.0.0.1", 0, "v1", [])
    local.start()
    try:
        status, _, body = _exchange(local.port, _post("3", b"\xff\xfe{"))
    finally:
        local.stop()
    assert status == 400
    assert "UTF-8" in json.loads(body)["message"]
    assert functions.events == []


def test_under_star_slash_star_invalid_utf8_reaches_the_function_base64_encoded_as_in_aws(
    served: tuple[LocalGateway, _Functions],
) -> None:
    local, functions = served
    status, _, _ = _exchange(local.port, _post("3", b"\xff\xfe{"))
    assert status == 202
    assert functions.events[0]["isBase64Encoded"] is True
