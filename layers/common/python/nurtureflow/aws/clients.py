"""boto3 clients built from settings: the only place that knows endpoints.

In AWS every endpoint setting is unset and boto3 finds the regional endpoints; the local stack
points them at moto and at its own Step Functions runtime. Clients are built once per process.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from nurtureflow.settings import EndpointSettings

_RETRIES = Config(retries={"mode": "standard", "max_attempts": 5})
# One HTTP request per call: for a call that must not be repeated blindly (SES SendEmail, where a
# read timeout retried by botocore could send the email twice). The caller decides on retries.
ONE_ATTEMPT = Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=20)


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
    }.get(service)


@cache
def client(service: str) -> Any:
    """A boto3 client for ``service`` (dynamodb, sesv2, stepfunctions, events)."""
    return boto3.client(
        service, region_name=_endpoints().region, endpoint_url=_endpoint_for(service), config=_RETRIES
    )


@cache
def single_attempt_client(service: str) -> Any:
    """A boto3 client for ``service`` whose calls botocore never retries."""
    return boto3.client(
        service, region_name=_endpoints().region, endpoint_url=_endpoint_for(service), config=ONE_ATTEMPT
    )


@cache
def dynamodb_table(name: str) -> Any:
    """A DynamoDB Table resource; repositories use it for its plain-Python item shapes."""
    resource = boto3.resource(
        "dynamodb", region_name=_endpoints().region, endpoint_url=_endpoint_for("dynamodb"), config=_RETRIES
    )
    return resource.Table(name)
