"""When timed waits end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.workflow.schedule import best_hour, best_time, date_slot, next_slot, zone_for

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # a Monday, 10:30 in Paris


def test_next_slot_today_if_still_ahead_else_tomorrow() -> None:
    assert next_slot(NOW, PARIS, "11:00") == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert next_slot(NOW, PARIS, "10:00") == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_next_slot_on_given_weekdays() -> None:
    assert next_slot(NOW, PARIS, "09:00", ["fri"]) == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
    st.sets(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1),
)
def test_next_slot_is_always_ahead_within_a_week_on_an_allowed_day(now: datetime, days: set[str]) -> None:
    slot = next_slot(now, PARIS, "08:15", days)
    assert now < slot <= now + timedelta(days=7, hours=1)
    local = slot.astimezone(PARIS)
    assert (local.hour, local.minute) == (8, 15)
    assert ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][local.weekday()] in days


def test_date_slot_from_a_contact_date_with_offset() -> None:
    slot = date_slot("2026-12-24", -timedelta(days=1), "09:00", PARIS)
    assert slot == datetime(2026, 12, 23, 8, 0, tzinfo=UTC)
    assert date_slot("not a date", timedelta(0), "09:00", PARIS) is None


def test_best_hour_is_the_most_engaged_local_hour() -> None:
    opens = [datetime(2026, 11, d, 18, 5, tzinfo=UTC) for d in (1, 2, 3)] + [
        datetime(2026, 11, 4, 7, tzinfo=UTC)
    ]
    assert best_hour(opens, PARIS) == 19
    assert best_hour([], PARIS) == 10


def test_best_time_stays_inside_the_window() -> None:
    assert best_time(NOW, PARIS, 19, timedelta(days=1)) == datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    assert best_time(NOW, PARIS, 19, timedelta(hours=2)) == NOW + timedelta(hours=2)


def test_contact_timezone_falls_back_to_utc() -> None:
    assert zone_for("contact", "Asia/Tokyo") == ZoneInfo("Asia/Tokyo")
    assert zone_for("contact", None) == ZoneInfo("UTC")
    assert zone_for("Europe/Paris", "Asia/Tokyo") == PARIS
