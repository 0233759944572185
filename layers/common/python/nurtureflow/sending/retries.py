"""How the state machine retries an email refused for SES's send rate or quota.

The compiler puts ``SEND_THROTTLE_RETRY`` on every email task; the send handler reads the state's
retry count (``$$.State.RetryCount``) and, on the last attempt, records the send as failed instead
of raising, so the run goes on rather than failing. Full jitter spreads the retries of many runs
throttled at once; ``MaxDelaySeconds`` bounds each wait: at most about 8.5 minutes in all.
"""

from __future__ import annotations

from typing import Any

THROTTLE_RETRIES = 8
SEND_THROTTLE_RETRY: dict[str, Any] = {
    "ErrorEquals": ["SendThrottledError"],
    "IntervalSeconds": 2,
    "MaxAttempts": THROTTLE_RETRIES,
    "BackoffRate": 2.0,
    "MaxDelaySeconds": 300,
    "JitterStrategy": "FULL",
}


def is_last_attempt(retry_count: int) -> bool:
    """True when no throttling retry is left. ``$$.State.RetryCount`` counts the retries of every
    retrier of the state, so this is reached at the latest on the throttling retrier's last attempt."""
    return retry_count >= THROTTLE_RETRIES
