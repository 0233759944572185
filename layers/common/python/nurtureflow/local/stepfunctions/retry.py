"""Retriers and catchers, scanned in order as AWS documents."""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from datetime import timedelta
from typing import Any

from .errors import error_matches

DEFAULT_INTERVAL_SECONDS = 1
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_BACKOFF_RATE = 2.0


def retry_delay(
    retriers: Sequence[Mapping[str, Any]],
    error_name: str,
    used: MutableMapping[int, int],
    random: Callable[[], float],
) -> timedelta | None:
    """How long to wait before retrying, or None when the error goes on to the catchers.

    The first retrier whose ErrorEquals matches decides; if it has no attempts left, there is no retry
    (later retriers aren't consulted). ``used`` counts retries per retrier across the state's attempts
    and is updated here. With JitterStrategy FULL the delay is drawn uniformly from [0, delay).
    """
    for index, retrier in enumerate(retriers):
        if not error_matches(retrier["ErrorEquals"], error_name):
            continue
        attempts = used.get(index, 0)
        if attempts >= retrier.get("MaxAttempts", DEFAULT_MAX_ATTEMPTS):
            return None
        used[index] = attempts + 1
        seconds = float(retrier.get("IntervalSeconds", DEFAULT_INTERVAL_SECONDS))
        seconds *= float(retrier.get("BackoffRate", DEFAULT_BACKOFF_RATE)) ** attempts
        if "MaxDelaySeconds" in retrier:
            seconds = min(seconds, float(retrier["MaxDelaySeconds"]))
        if retrier.get("JitterStrategy", "NONE") == "FULL":
            seconds *= random()
        return timedelta(seconds=seconds)
    return None


def find_catcher(catchers: Sequence[Mapping[str, Any]], error_name: str) -> Mapping[str, Any] | None:
    """The first catcher whose ErrorEquals matches the error, if any."""
    return next((catcher for catcher in catchers if error_matches(catcher["ErrorEquals"], error_name)), None)
