"""``maxResults`` / ``nextToken`` paging over an in-memory list."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import TypeVar

from .errors import InvalidToken, ValidationException

T = TypeVar("T")
_PREFIX = "nf-page:"


def paginate(
    items: Sequence[T], max_results: int | None, next_token: str | None
) -> tuple[list[T], str | None]:
    """One page of ``items`` and the token for the next page (None on the last); no limit means all."""
    start = _decode(next_token) if next_token else 0
    if max_results is not None and not 0 <= max_results <= 1000:
        raise ValidationException("maxResults must be between 0 and 1000")
    if not max_results:
        return list(items[start:]), None
    end = start + max_results
    return list(items[start:end]), _encode(end) if end < len(items) else None


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode()


def _decode(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidToken(f"Invalid Token: '{token}'") from None
    if not text.startswith(_PREFIX) or not text.removeprefix(_PREFIX).isdigit():
        raise InvalidToken(f"Invalid Token: '{token}'")
    return int(text.removeprefix(_PREFIX))
