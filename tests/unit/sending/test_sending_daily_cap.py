"""Where a contact's day starts, for the daily email cap."""

from __future__ import annotations

from datetime import UTC, datetime

from nurtureflow.sending.delivery import DailyCap

NOW = datetime(2026, 11, 23, 3, 30, tzinfo=UTC)


def test_a_named_timezone_sets_the_day() -> None:
    start = DailyCap(per_day=2, timezone="America/New_York").day_start(NOW, "Asia/Tokyo")
    assert start == datetime(2026, 11, 22, 5, 0, tzinfo=UTC)  # 22 Nov, midnight in New York


def test_contact_means_the_contacts_own_timezone() -> None:
    start = DailyCap(per_day=2, timezone="contact").day_start(NOW, "Asia/Tokyo")
    assert start == datetime(2026, 11, 22, 15, 0, tzinfo=UTC)  # 23 Nov, midnight in Tokyo


def test_a_contact_without_a_valid_timezone_counts_in_utc() -> None:
    assert DailyCap(per_day=1, timezone="contact").day_start(NOW, None) == datetime(2026, 11, 23, tzinfo=UTC)
    assert DailyCap(per_day=1, timezone="contact").day_start(NOW, "Mars/Olympus") == datetime(
        2026, 11, 23, tzinfo=UTC
    )
