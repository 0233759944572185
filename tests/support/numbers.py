"""Comparing JSON values as numbers: DynamoDB keeps a number's decimal value, not its spelling, so
``9.99e125`` may come back as the integer ``999…0`` (the same number)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def as_decimals(value: Any) -> Any:
    """The value with every number as a ``Decimal`` (exact for floats too), recursively."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, dict):
        return {k: as_decimals(v) for k, v in value.items()}
    return [as_decimals(v) for v in value]
