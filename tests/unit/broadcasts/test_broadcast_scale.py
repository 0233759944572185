"""The broadcast scale simulation (``bench.broadcast_scale``, docs/scale.md) at a small size: the
real page logic against SES's send rate, with throttling and generations happening."""

from __future__ import annotations

import pytest

from bench.broadcast_scale import simulate
from nurtureflow.broadcasts.sending import batch_concurrency


@pytest.mark.parametrize("ses_rate", [14.0, 500.0])
def test_a_broadcast_keeps_to_ses_s_rate_and_emails_everyone_once(ses_rate: float) -> None:
    report = simulate(6_000, ses_rate)
    assert set(report.emails.values()) == {1}
    assert len(report.emails) == 6_000
    assert report.failed == 0
    # Never more than the bucket allows: a second's burst on top of a second's sends.
    assert max(report.per_second.values()) <= 2 * ses_rate + batch_concurrency(ses_rate)
    assert len(report.emails) / report.seconds >= 0.75 * ses_rate, "close to the rate, not far below"


def test_the_previous_batching_sent_about_ten_a_second_whatever_ses_allowed() -> None:
    """Two batches at a time, each sending one email every 0.2 s: the finding this simulation made."""
    report = simulate(6_000, 500.0, before=True)
    assert len(report.emails) / report.seconds < 11


def test_throttling_is_absorbed_by_the_retrier_and_generations_hand_over() -> None:
    """A smaller SES bucket than the broadcast's rate (an operator who set the rate too high): sends
    are refused, batches retried, already-sent contacts skipped, and nobody is emailed twice."""
    report = simulate(3_000, 50.0, ses_limit=20.0, pages_per_execution=2, page_seconds=10)
    assert report.throttled > 0
    assert report.generations > 1
    assert len(report.emails) + report.failed == 3_000
    assert set(report.emails.values()) == {1}
