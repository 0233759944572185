"""When timed waits end: the next weekly slot, a date held by the contact, the contact's best hour.

Pure functions of "now", a timezone and the contact's data; the step function calls them and a
Wait state (``TimestampPath``) does the waiting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from nurtureflow.timezones import UTC as UTC_ZONE
from nurtureflow.timezones import find_zone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_BEST_HOUR = 10  # before any engagement is known: mid-morning, when most mail is read


def zone_for(setting: str, contact_timezone: str | None) -> ZoneInfo:
    """The workflow's timezone; ``"contact"`` means the contact's own, UTC when it has none."""
    name = contact_timezone if setting == "contact" else setting
    return find_zone(name) or UTC_ZONE


def _clock_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def next_slot(now: datetime, zone: ZoneInfo, at: str, days: Iterable[str] | None = None) -> datetime:
    """The first moment after ``now`` at local time ``at`` on one of ``days`` (every day when None)."""
    allowed = {WEEKDAYS.index(d) for d in days} if days else set(range(7))
    local = now.astimezone(zone)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        moment = datetime.combine(day, _clock_time(at), zone)
        if day.weekday() in allowed and moment > local:
            return moment.astimezone(UTC)
    raise ValueError("no slot within a week")  # unreachable: some allowed day recurs within 7 days


def date_slot(value: str, offset: timedelta, at: str, zone: ZoneInfo) -> datetime | None:
    """The moment ``offset`` from the contact's date ``value`` at local time ``at``; None if unreadable."""
    try:
        held = date.fromisoformat(value[:10])
    except ValueError:
        return None
    return datetime.combine(held + offset, _clock_time(at), zone).astimezone(UTC)


def best_hour(engagement: Iterable[datetime], zone: ZoneInfo) -> int:
    """The local hour at which the contact opened or clicked most; ties go to the earliest hour."""
    counts = Counter(moment.astimezone(zone).hour for moment in engagement)
    if not counts:
        return DEFAULT_BEST_HOUR
    return min(counts, key=lambda hour: (-counts[hour], hour))


def best_time(now: datetime, zone: ZoneInfo, hour: int, within: timedelta) -> datetime:
    """The next time at ``hour`` local within the window, or the window's end when none falls in it."""
    slot = next_slot(now, zone, f"{hour:02d}:00")
    return min(slot, now + within)
