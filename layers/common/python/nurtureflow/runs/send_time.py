"""Send-time optimisation for ``best_time`` waits: the hour in the window when the contact engages most.

Each top of the hour in the window is scored, highest first, by:
1. the contact's opens and clicks in that hour of the week (Tuesday 19:00), in the wait's timezone;
2. the contact's opens and clicks in that hour of the day, whatever the weekday;
3. the audience's opens and clicks in that hour of the week (UTC; ``store.engagement``), which is
   all a contact with too little history (fewer than ``MIN_HISTORY`` engagements) is judged by;
4. being the default hour (10:00 local), when nothing at all is known.
Ties go to the earliest slot. Machine opens (Apple MPP, scanners) are left out by the caller.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from nurtureflow.workflow.schedule import DEFAULT_BEST_HOUR

MIN_HISTORY = 3  # engagements before a contact's own pattern counts
HORIZON = timedelta(days=7)  # beyond a week the hours of the week repeat: the earliest wins anyway
HOURS_IN_WEEK = 7 * 24


def hour_of_week(moment: datetime, zone: ZoneInfo) -> int:
    """0 for Monday 00:00-00:59 in ``zone`` … 167 for Sunday 23:00-23:59."""
    return _week_hour(moment.astimezone(zone))


def _week_hour(local: datetime) -> int:
    """The hour of the week of a moment already in the zone it is counted in."""
    return local.weekday() * 24 + local.hour


def _slots(now: datetime, zone: ZoneInfo, until: datetime) -> list[datetime]:
    """Every local top of the hour from now (inclusive) to ``until`` (inclusive)."""
    local = now.astimezone(zone)
    first = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    hour = timedelta(hours=1)
    if first < now:
        first += hour
    if first > until:
        return []
    # Counted, then made: a week of hourly slots in a Python loop was 2 % of an onboarding forecast.
    return [first + hour * i for i in range((until - first) // hour + 1)]


def best_send_time(
    now: datetime,
    zone: ZoneInfo,
    within: timedelta,
    engaged: Iterable[datetime],
    audience: Mapping[int, int],
) -> datetime:
    """When to send: the best-scored slot within ``within`` of now, or the window's end if no
    top of the hour falls inside it."""
    moments = list(engaged)
    own = len(moments) >= MIN_HISTORY
    by_week = Counter(hour_of_week(m, zone) for m in moments) if own else Counter[int]()
    by_hour = Counter(m.astimezone(zone).hour for m in moments) if own else Counter[int]()
    end = now + within
    slots = _slots(now, zone, min(end, now + HORIZON))
    if not slots:
        return end

    def score(slot: datetime) -> tuple[int, int, int, bool]:
        local = slot.astimezone(zone)
        return (
            by_week[_week_hour(local)],
            by_hour[local.hour],
            audience.get(_week_hour(slot), 0),  # slots are UTC datetimes
            local.hour == DEFAULT_BEST_HOUR,
        )

    return max(slots, key=score)  # max keeps the first of equals: ties go to the earliest slot
