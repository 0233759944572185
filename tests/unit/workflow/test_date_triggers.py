"""Date triggers: anniversaries, offsets across years, once-only dates, and the start time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.enrolment.dates import due_today, next_daily_run, start_at


def test_a_birthday_is_due_every_year_on_its_day() -> None:
    assert due_today("1990-11-23", "year", timedelta(0), date(2026, 11, 23))
    assert not due_today("1990-11-24", "year", timedelta(0), date(2026, 11, 23))


def test_an_offset_the_day_before_crosses_into_the_previous_year() -> None:
    assert due_today("2001-01-01", "year", -timedelta(days=1), date(2026, 12, 31))


def test_29_february_is_celebrated_on_the_28th_in_other_years() -> None:
    assert due_today("2000-02-29", "year", timedelta(0), date(2026, 2, 28))


def test_once_means_that_date_only() -> None:
    assert due_today("2026-12-01T10:00:00Z", "once", -timedelta(days=7), date(2026, 11, 24))
    assert not due_today("2026-12-01", "once", timedelta(0), date(2027, 12, 1))
    assert not due_today("soon", "once", timedelta(0), date(2027, 12, 1))


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31)), st.integers(-40, 40))
def test_every_year_holds_exactly_on_the_shifted_anniversary(held: date, days: int) -> None:
    offset = timedelta(days=days)
    target_year = 2030
    anniversary = (
        held.replace(year=target_year, day=28)
        if (held.month, held.day) == (2, 29)
        else held.replace(year=target_year)
    )
    assert due_today(held.isoformat(), "year", offset, anniversary + offset)


def test_start_at_is_the_local_time_in_utc() -> None:
    assert start_at(date(2026, 7, 1), "09:00", ZoneInfo("Europe/Paris")) == "2026-07-01T07:00:00Z"


def test_the_daily_run_is_next_at_six_utc() -> None:
    assert next_daily_run(datetime(2026, 11, 23, 5, tzinfo=UTC)) == datetime(2026, 11, 23, 6, tzinfo=UTC)
    assert next_daily_run(datetime(2026, 11, 23, 6, tzinfo=UTC)) == datetime(2026, 11, 24, 6, tzinfo=UTC)
