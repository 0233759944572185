"""Which opens look like a machine's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nurtureflow.events.machine_opens import OpenRequest, machine_reason

SENT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15"


@pytest.mark.parametrize(
    ("request_", "after", "reason"),
    [
        (OpenRequest(BROWSER, "198.51.100.7"), timedelta(minutes=3), None),
        (OpenRequest(BROWSER, "198.51.100.7"), timedelta(seconds=2), "too_soon"),
        (
            OpenRequest("Mozilla/5.0 (via ggpht.com GoogleImageProxy)", "66.249.84.1"),
            timedelta(hours=1),
            None,  # Gmail's proxy fetches when the person opens
        ),
        (
            OpenRequest("YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html"),
            timedelta(hours=1),
            None,
        ),
        (OpenRequest("Mozilla/5.0", "203.0.113.9"), timedelta(hours=1), "apple_mpp"),
        (OpenRequest(BROWSER, "17.58.1.1"), timedelta(hours=1), "apple_mpp"),
        (OpenRequest(BROWSER, "not-an-ip"), timedelta(hours=1), None),
        (OpenRequest(), timedelta(hours=1), None),
    ],
)
def test_machine_reason(request_: OpenRequest, after: timedelta, reason: str | None) -> None:
    assert machine_reason(request_, SENT.isoformat(), SENT + after) == reason


def test_an_open_of_a_send_without_a_time_is_judged_by_its_request_alone() -> None:
    assert machine_reason(OpenRequest(BROWSER), None, SENT) is None
