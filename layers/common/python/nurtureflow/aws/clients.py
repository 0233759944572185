"""boto3 clients built from settings: the only place that knows endpoints.

In AWS every endpoint setting is unset and boto3 finds the regional endpoints; the local stack
points them at moto and at its own Step Functions runtime. Clients are built once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from nurtureflow.settings import EndpointSettings

_RETRIES = Config(retries={"mode": "standard", "max_attempts": 5})
# One HTTP request per call: for a call that must not be repeated blindly (SES SendEmail, where a
# read timeout retried by botocore could send the email twice). The caller decides on retries.
ONE_ATTEMPT = Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=20)


# botocore handlers every client carries, as (event, handler): the local stack's IAM emulation and
# its in-process transport; none in AWS.
_client_hooks: list[tuple[str, Callable[..., Any]]] = []


def _on_every_client(event: str, handler: Callable[..., Any]) -> None:
    _client_hooks.append((event, handler))
    # Clients built earlier are dropped so that every client carries the handler.
    for built in (client, single_attempt_client, dynamodb_table):
        built.cache_clear()


def check_every_call(check: Callable[..., None]) -> None:
    """Local stack only: run ``check`` (a botocore ``before-parameter-build`` handler) before every
    AWS call."""
    _on_every_client("before-parameter-build", check)


def send_every_call_through(transport: Callable[..., Any]) -> None:
    """Local stack only: offer every signed request to ``transport`` (a botocore ``before-send``
    handler), which answers it in-process or returns None to let it go over the network."""
    _on_every_client("before-send", transport)


def _checked(built: Any) -> Any:
    for event, handler in _client_hooks:
        built.meta.events.register(event, handler)
    return built


@cache
def _endpoints() -> EndpointSettings:
    return EndpointSettings()


def _endpoint_for(service: str) -> str | None:
    settings = _endpoints()
    return {
        "dynamodb": settings.endpoint_dynamodb,
        "sesv2": settings.endpoint_ses,
        "stepfunctions": settings.endpoint_stepfunctions,
        "events": settings.endpoint_events,
        "lambda": settings.endpoint_lambda,
    }.get(service)


@cache
def client(service: str) -> Any:
    """A boto3 client for ``service`` (dynamodb, sesv2, stepfunctions, events, lambda)."""
    return _checked(
        boto3.client(
            service, region_name=_endpoints().region, endpoint_url=_endpoint_for(service), config=_RETRIES
        )
    )


@cache
def single_attempt_client(service: str) -> Any:
    """A boto3 client for ``service`` whose calls botocore never retries."""
    return _checked(
        boto3.client(
            service, region_name=_endpoints().region, endpoint_url=_endpoint_for(service), config=ONE_ATTEMPT
        )
    )


@cache
def dynamodb_table(name: str) -> Any:
    """A DynamoDB Table resource; repositories use it for its plain-Python item shapes."""
    resource = boto3.resource(
        "dynamodb", region_name=_endpoints().region, endpoint_url=_endpoint_for("dynamodb"), config=_RETRIES
    )
    _checked(resource.meta.client)
    return resource.Table(name)
