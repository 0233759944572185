"""Where a contact's day starts, for the daily email cap."""

from __future__ import annotations

from datetime import UTC, datetime

from nurtureflow.sending.delivery import DailyCap, QuietHours

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


def test_quiet_hours_across_midnight_defer_to_their_end_in_the_contacts_timezone() -> None:
    quiet = QuietHours("21:00", "08:00", "contact")
    late = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 23:30 in Paris
    assert quiet.deferred_until(late, "Europe/Paris") == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    assert quiet.deferred_until(datetime(2026, 11, 23, 12, tzinfo=UTC), "Europe/Paris") is None


def test_quiet_hours_hold_nobody_whose_timezone_is_unknown() -> None:
    assert (
        QuietHours("21:00", "08:00", "contact").deferred_until(datetime(2026, 11, 23, 23, tzinfo=UTC), None)
        is None
    )
    assert QuietHours("21:00", "08:00", "UTC").deferred_until(
        datetime(2026, 11, 23, 23, tzinfo=UTC), None
    ) == datetime(2026, 11, 24, 8, tzinfo=UTC)


def test_daytime_quiet_hours_do_not_wrap() -> None:
    quiet = QuietHours("12:00", "14:00", "UTC")
    assert quiet.deferred_until(datetime(2026, 11, 23, 13, tzinfo=UTC), None) == datetime(
        2026, 11, 23, 14, tzinfo=UTC
    )
    assert quiet.deferred_until(datetime(2026, 11, 23, 15, tzinfo=UTC), None) is None
