"""Date triggers: whose date (plus offset) is today, and when on that day their run starts.

The daily run (EventBridge Scheduler in AWS, the virtual clock locally) enrols on the day; the
run's first state waits until the trigger's ``at`` time. Nobody waits a year inside a run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAILY_RUN_UTC = time(6, 0)  # the daily schedule's time; infra/ schedules the same cron


def _anniversary(held: date, year: int) -> date:
    """The date in ``year``; 29 February falls on 28 February in other years."""
    try:
        return held.replace(year=year)
    except ValueError:
        return held.replace(year=year, day=28)


def due_today(value: str, every: str, offset: timedelta, today: date) -> bool:
    """Whether the contact's date ``value`` (plus ``offset``) falls on ``today``."""
    try:
        held = date.fromisoformat(value[:10])
    except ValueError:
        return False
    if every == "once":
        return held + offset == today
    # An offset may cross a year boundary: look at the anniversaries around today's year.
    return any(
        _anniversary(held, year) + offset == today for year in (today.year - 1, today.year, today.year + 1)
    )


def start_at(today: date, at: str, zone: ZoneInfo) -> str:
    """The run's start: ``at`` local time on ``today``, as a Step Functions timestamp."""
    hours, minutes = at.split(":")
    moment = datetime.combine(today, time(int(hours), int(minutes)), zone).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def next_daily_run(now: datetime) -> datetime:
    """The next time the daily schedule fires after ``now``."""
    candidate = datetime.combine(now.astimezone(UTC).date(), DAILY_RUN_UTC, UTC)
    return candidate if candidate > now else candidate + timedelta(days=1)
