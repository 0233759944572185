"""X-Ray subsegments from the X-Ray SDK, only where an operator asks for them.

Lambda's active tracing records every invocation (initialisation, invocation, overhead) without any
SDK in the function. The X-Ray SDK behind Powertools' Tracer adds a subsegment per AWS call, but its
import builds two botocore clients for its sampler, about 100 ms of every cold start, and it is in
maintenance mode since 2026-02-25 (end of support 2027-02-25; AWS points to OpenTelemetry). So it
loads only when ``NURTUREFLOW_XRAY_SDK`` is true (CDK context ``xraySdk``); docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from nurtureflow.settings import TracingSettings

Handler = TypeVar("Handler", bound=Callable[..., Any])


def traced(handler: Handler) -> Handler:
    """``handler`` itself, or wrapped by Powertools' Tracer when the X-Ray SDK is asked for."""
    if not TracingSettings().xray_sdk:
        return handler
    # Imported here: loading the SDK is the cost this module avoids by default.
    from aws_lambda_powertools import Tracer

    return cast("Handler", Tracer().capture_lambda_handler(handler))
