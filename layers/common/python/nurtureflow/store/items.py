"""Conversions between DynamoDB's number type and plain JSON values."""

from __future__ import annotations

from decimal import Context, Decimal
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


# DynamoDB's precision: an integer such as 10**125 has one significant digit, but boto3 counts all
# 126 unless the trailing zeros become an exponent.
_DYNAMODB_PRECISION = Context(prec=38)


def to_dynamo(value: Any) -> Any:
    """Floats become Decimals, recursively: boto3 refuses floats."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**38:
        return _DYNAMODB_PRECISION.create_decimal(value)
    if isinstance(value, dict):
        return {k: to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [to_dynamo(v) for v in value]
    return value
