"""Conversions between DynamoDB's number type and plain JSON values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def to_plain(value: Any) -> Any:
    """Decimals become int or float, recursively: what JSON and the domain expect."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_plain(v) for v in value]
    return value


def to_dynamo(value: Any) -> Any:
    """Floats become Decimals, recursively: boto3 refuses floats."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [to_dynamo(v) for v in value]
    return value
