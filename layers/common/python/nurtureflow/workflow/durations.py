"""ISO 8601 durations as the workflow language writes them (``PT1H``, ``P3D``, ``P1W``)."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Annotated

import isodate
from pydantic import AfterValidator


# Workflows name a handful of durations and their steps read them on every visit: parsed once each.
@lru_cache(maxsize=1024)
def parse_duration(text: str, *, allow_negative: bool = False, allow_zero: bool = False) -> timedelta:
    """A fixed-length duration; months and years are refused since they have no fixed length.

    Zero (``P0D``, ``PT0S``) only with ``allow_zero``; a leading ``-`` only with ``allow_negative``.
    """
    body = text[1:] if allow_negative and text.startswith("-") else text
    try:
        parsed = isodate.parse_duration(body)
    except (isodate.ISO8601Error, ValueError) as error:
        raise ValueError(f"'{text}' is not an ISO 8601 duration such as PT1H, P3D or P1W") from error
    if not isinstance(parsed, timedelta):
        raise ValueError(f"'{text}' uses months or years, which have no fixed length: write days (P30D)")
    if parsed < timedelta(0) or (parsed == timedelta(0) and not allow_zero):
        raise ValueError(f"'{text}' must be longer than zero")
    return -parsed if body is not text else parsed


def _check_duration(text: str) -> str:
    parse_duration(text)
    return text


def _check_signed_duration(text: str) -> str:
    parse_offset(text)
    return text


def _check_duration_or_zero(text: str) -> str:
    parse_duration(text, allow_zero=True)
    return text


def parse_offset(text: str) -> timedelta:
    """An offset from a date: any duration, zero (on the day itself) or negative (before it)."""
    return parse_duration(text, allow_negative=True, allow_zero=True)


# Waits, timeouts and windows: longer than zero (a loop's wait must take time).
Duration = Annotated[str, AfterValidator(_check_duration)]
# Cooldowns and due dates: zero means none, or at once.
DurationOrZero = Annotated[str, AfterValidator(_check_duration_or_zero)]
# Offsets from a date (date triggers, ``until_date`` waits): zero or either sign.
SignedDuration = Annotated[str, AfterValidator(_check_signed_duration)]


def seconds(text: str) -> int:
    """Whole seconds of a duration, as a Wait state's ``Seconds`` needs them."""
    return int(parse_duration(text).total_seconds())
