"""The functions' AWS calls delivered inside the process, without the loopback socket.

The local stack's functions reach moto and the local Step Functions runtime and event bus at
their HTTP endpoints, as they reach AWS. Through the loopback socket a GetItem took 2.5 ms, and
0.8 ms handed to moto in the process, so a botocore ``before-send`` handler hands each
request for those endpoints straight to the application that would have answered it: moto's WSGI
app, or the wire endpoint's dispatch. The request is the one botocore signed and serialised, and
the answer is parsed by botocore as before: only the transport changes. The servers still listen,
for the AWS CLI and other processes.

DynamoDB, nine in ten of the functions' calls, goes one step further: its requests are handed to
moto's DynamoDB response handler as moto's own ``mock_aws`` hands them (``BotocoreStubber``),
without moto's Flask application, whose routing and request context took a third of a GetItem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import ClientError
from moto.core.request import Request
from moto.dynamodb.responses import DynamoHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.exceptions import HTTPException
from werkzeug.test import EnvironBuilder, run_wsgi_app

Answer = tuple[int, dict[str, str], bytes]
Deliver = Callable[[AWSPreparedRequest], Answer]


class _Body(BytesIO):
    """A response body as botocore reads it from urllib3."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        chunk = self.read()
        while chunk:
            yield chunk
            chunk = self.read()


def request_body(request: AWSPreparedRequest) -> bytes:
    body = request.body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    return bytes(body.read())  # a file-like body (none of our calls streams one)


class _MotoApp(DomainDispatcherApplication):
    """moto's server application, remembering which backend serves a host: moto lists its package
    directory on disk for every request to find out (a tenth of a GetItem's time)."""

    def __init__(self) -> None:
        super().__init__(create_backend_app)
        self._backends: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        if host not in self._backends:
            self._backends[host] = super().get_backend_for_host(host)
        return self._backends[host]


def moto_app() -> Any:
    """The WSGI application moto's server runs, for :func:`wsgi`."""
    _remember_response_methods()
    return _MotoApp()


def _remember_response_methods() -> None:
    """moto lists a response class's methods (``inspect.getmembers``) on every request to find the
    one an action names; a class's methods do not change while the stack runs, so once per class."""
    from moto.core import responses

    original = responses.method_names_from_class  # type: ignore[attr-defined]
    if getattr(original, "_nf_cached", False):
        return
    listed: dict[type, list[str]] = {}

    def method_names_from_class(clazz: Any) -> list[str]:
        if clazz not in listed:
            listed[clazz] = original(clazz)
        return list(listed[clazz])

    method_names_from_class._nf_cached = True  # type: ignore[attr-defined]
    responses.method_names_from_class = method_names_from_class  # type: ignore[attr-defined]


def wsgi(app: Any) -> Deliver:
    """Deliver to a WSGI application (moto's server app) as its HTTP server would."""

    def deliver(request: AWSPreparedRequest) -> Answer:
        split = urlsplit(request.url)
        headers = [(k, v.decode() if isinstance(v, bytes) else str(v)) for k, v in request.headers.items()]
        builder = EnvironBuilder(
            path=split.path or "/",
            base_url=f"{split.scheme}://{split.netloc}",
            query_string=split.query,
            method=request.method,
            headers=headers,
            data=request_body(request),
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        chunks, status, reply_headers = run_wsgi_app(app, environ, buffered=True)
        return int(status.split(" ", 1)[0]), dict(reply_headers.items()), b"".join(chunks)

    return deliver


# Services whose every operation one moto handler answers at the endpoint's root (JSON protocol).
_HANDLERS: dict[str, Callable[..., Any]] = {"dynamodb": DynamoHandler.dispatch}


def _signed_service(request: AWSPreparedRequest) -> str:
    """The service of a SigV4-signed request's credential scope (``…/region/service/aws4_request``)."""
    authorization = request.headers.get("Authorization", b"")
    text = authorization.decode() if isinstance(authorization, bytes) else str(authorization)
    scope = text.split("Credential=", 1)[-1].split(",", 1)[0].split("/")
    return scope[3] if len(scope) == 5 else ""


def moto_handlers(fallback: Deliver) -> Deliver:
    """Deliver DynamoDB's requests straight to moto's handler; every other one to ``fallback``."""

    def deliver(request: AWSPreparedRequest) -> Answer:
        handler = _HANDLERS.get(_signed_service(request))
        if handler is None:
            return fallback(request)
        moto_request = Request.from_primitives(
            request.method, request.url, request.headers, request_body(request)
        )
        try:
            status, headers, body = handler(moto_request, moto_request.raw_url, dict(moto_request.headers))
        except HTTPException as error:  # moto's service errors, as its server would answer them
            status, headers, body = error.code or 500, dict(error.get_headers()), error.get_body()
        except ClientError as error:  # as moto's Flask adapter answers them
            status, headers, body = 400, {}, error.response["Error"]["Message"]
        return int(status), {k: str(v) for k, v in dict(headers).items()}, _bytes(body)

    return deliver


def _bytes(body: Any) -> bytes:
    return body.encode() if isinstance(body, str) else bytes(body or b"")


def json_target(answer: Callable[[str, bytes], tuple[int, bytes]]) -> Deliver:
    """Deliver an AWS JSON-protocol request (``X-Amz-Target``) to the wire endpoint's dispatch."""

    def deliver(request: AWSPreparedRequest) -> Answer:
        target = request.headers.get("X-Amz-Target", "")
        status, body = answer(
            target.decode() if isinstance(target, bytes) else str(target), request_body(request)
        )
        return status, {"Content-Type": "application/x-amz-json-1.0"}, body

    return deliver


class InProcessTransport:
    """A botocore ``before-send`` handler: requests to a known endpoint are answered in-process;
    any other request (returning None) goes out over the network as usual."""

    def __init__(self, endpoints: dict[str, Deliver]) -> None:
        self._endpoints = {base.rstrip("/"): deliver for base, deliver in endpoints.items()}

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
        split = urlsplit(request.url)
        deliver = self._endpoints.get(f"{split.scheme}://{split.netloc}")
        if deliver is None:
            return None
        status, headers, body = deliver(request)
        return AWSResponse(request.url, status, HTTPHeaders(headers), _Body(body))
