"""The least a NurtureFlow function can import: boto3, Powertools' Logger and one pydantic model.

``bench.ingest``'s cold-start part times it beside the real handlers: every function logs through
the Logger and validates each request with pydantic, so no handler imports less than this.
"""

from typing import Any

import boto3  # noqa: F401 - every function calls AWS through it
from aws_lambda_powertools import Logger
from pydantic import BaseModel

logger = Logger()


class Request(BaseModel):
    """A request, validated as each function validates its own."""

    id: str


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return Request.model_validate(event).model_dump()
