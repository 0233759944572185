"""The wait shortening both engines run under: every duration shrinks, nothing else changes."""

from __future__ import annotations

from tests.support.differential import PAST, shorten_waits


def test_waits_timeouts_and_retry_delays_shrink_and_the_rest_stays() -> None:
    retrier = {"ErrorEquals": ["X"], "IntervalSeconds": 30, "MaxAttempts": 4, "BackoffRate": 2.0}
    definition = {
        "StartAt": "seconds",
        "States": {
            "seconds": {"Type": "Wait", "Seconds": 3600, "Next": "stamp"},
            "stamp": {"Type": "Wait", "Timestamp": "2999-01-01T00:00:00Z", "Next": "path"},
            "path": {"Type": "Wait", "TimestampPath": "$.until", "Next": "task"},
            "task": {
                "Type": "Task",
                "Resource": "r",
                "TimeoutSeconds": 86400,
                "Retry": [retrier],
                "End": True,
            },
        },
    }
    short = shorten_waits(definition)
    states = short["States"]
    assert states["seconds"]["Seconds"] == 0
    assert states["stamp"]["Timestamp"] == PAST
    assert states["path"] == definition["States"]["path"]
    assert states["task"]["TimeoutSeconds"] == 1
    assert states["task"]["Retry"] == [{**retrier, "IntervalSeconds": 1, "MaxDelaySeconds": 1}]
    assert definition["States"]["seconds"]["Seconds"] == 3600  # the original is left as it was
