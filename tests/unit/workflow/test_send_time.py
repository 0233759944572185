"""best_time: the contact's opens and clicks by hour of the week, else the audience's, else 10:00."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from nurtureflow.runs.send_time import MIN_HISTORY, best_send_time, hour_of_week
from nurtureflow.simulation.memory import MemoryEngagement
from nurtureflow.store.engagement import EngagementRepository

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)  # Monday 08:30 in Paris
WEEK = timedelta(days=7)


def _at(day: int, hour: int) -> datetime:
    """A moment in an earlier week: ``day`` 0 is a Monday, ``hour`` local to Paris."""
    return datetime(2026, 11, 2 + day, hour, 15, tzinfo=PARIS).astimezone(UTC)


def test_hour_of_week_counts_from_monday_midnight_local() -> None:
    assert hour_of_week(datetime(2026, 11, 23, 0, 0, tzinfo=PARIS), PARIS) == 0
    assert hour_of_week(datetime(2026, 11, 25, 19, 5, tzinfo=PARIS), PARIS) == 2 * 24 + 19
    assert hour_of_week(datetime(2026, 11, 29, 23, 59, tzinfo=PARIS), PARIS) == 167


def test_the_contacts_best_hour_of_the_week_wins_over_its_best_hour_of_the_day() -> None:
    # Most engagement at 19:00 overall, but on Wednesdays the contact reads at 07:00.
    engaged = [_at(0, 19), _at(1, 19), _at(3, 19), _at(2, 7), _at(2, 7), _at(2, 7), _at(2, 7)]
    until = best_send_time(NOW, PARIS, WEEK, engaged, {})
    assert until == datetime(2026, 11, 25, 7, tzinfo=PARIS)


def test_within_a_window_without_its_best_weekday_the_contacts_best_hour_of_day_decides() -> None:
    engaged = [_at(0, 19), _at(1, 19), _at(3, 19), _at(2, 7), _at(2, 7), _at(2, 7), _at(2, 7)]
    until = best_send_time(NOW, PARIS, timedelta(days=1), engaged, {})
    assert until == datetime(2026, 11, 23, 19, tzinfo=PARIS)  # Monday 19:00, not a Wednesday


def test_a_contact_with_too_little_history_gets_the_audiences_best_hour_of_the_week() -> None:
    thursday_noon_utc = hour_of_week(datetime(2026, 11, 26, 12, tzinfo=UTC), ZoneInfo("UTC"))
    audience = {thursday_noon_utc: 40, 5: 3}
    engaged = [_at(0, 19)] * (MIN_HISTORY - 1)
    assert best_send_time(NOW, PARIS, WEEK, engaged, audience) == datetime(2026, 11, 26, 12, tzinfo=UTC)


def test_with_nothing_known_the_email_goes_at_ten_local_or_at_the_windows_end() -> None:
    assert best_send_time(NOW, PARIS, WEEK, [], {}) == datetime(2026, 11, 23, 10, tzinfo=PARIS)
    assert best_send_time(NOW, PARIS, timedelta(minutes=20), [], {}) == NOW + timedelta(minutes=20)


def test_the_moment_is_never_outside_the_window() -> None:
    engaged = [_at(4, 21)] * 5  # Friday 21:00
    assert best_send_time(NOW, PARIS, timedelta(hours=5), engaged, {}) <= NOW + timedelta(hours=5)


@pytest.mark.parametrize("name", ["add", "hours"])
def test_the_engagement_stand_in_has_the_repositorys_methods(name: str) -> None:
    real, stand_in = getattr(EngagementRepository, name), getattr(MemoryEngagement, name)
    assert list(inspect.signature(real).parameters) == list(inspect.signature(stand_in).parameters)


def test_a_workflow_without_engagement_falls_back_to_every_workflows() -> None:
    engagement = MemoryEngagement()
    engagement.add("welcome", 30)
    engagement.add("welcome", 30)
    assert engagement.hours("welcome") == {30: 2}
    assert engagement.hours("brand-new") == {30: 2}
