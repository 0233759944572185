"""A workflow's sending window (``settings.sending_window``): the hours of each weekday when its
emails may go, and the dates when none may, in the workflow's timezone (or the contact's).

An email due outside the window waits for the window's next opening (``outside: "wait"``, the
default) or is skipped with the reason ``outside_window`` (``"skip"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from nurtureflow.workflow.schedule import WEEKDAYS, zone_for

# How far ahead an opening is looked for: a window closed for longer never opens (a year of closed
# dates, or no hours on any day, which validation refuses).
_HORIZON_DAYS = 400


@dataclass(frozen=True)
class SendingWindow:
    hours: dict[str, tuple[tuple[str, str], ...]]  # weekday -> (from, to) spans; no entry: closed
    closed: frozenset[str]  # ISO dates
    timezone: str  # an IANA name, or "contact"
    outside: str = "wait"

    @classmethod
    def from_payload(cls, window: dict[str, Any]) -> SendingWindow:
        hours = window.get("hours")
        every_hour: tuple[tuple[str, str], ...] = (("00:00", "24:00"),)
        spans: dict[str, tuple[tuple[str, str], ...]] = (
            {day: tuple((s["from"], s["to"]) for s in hours.get(day) or ()) for day in WEEKDAYS}
            if hours is not None
            else dict.fromkeys(WEEKDAYS, every_hour)
        )
        return cls(
            spans, frozenset(window.get("closed") or ()), window["timezone"], window.get("outside", "wait")
        )

    def next_opening(self, now: datetime, contact_timezone: str | None) -> datetime | None:
        """None when ``now`` is inside the window; else the moment it next opens (in UTC)."""
        zone = zone_for(self.timezone, contact_timezone)
        local = now.astimezone(zone)
        for offset in range(_HORIZON_DAYS):
            day = local.date() + timedelta(days=offset)
            if day.isoformat() in self.closed:
                continue
            for start, end in sorted(self.hours.get(WEEKDAYS[day.weekday()], ())):
                opens, closes = _at(day, start, zone), _at(day, end, zone)
                if offset == 0 and opens <= local < closes:
                    return None
                if opens > local:
                    return opens.astimezone(UTC)
        raise ValueError("the sending window never opens")


def _at(day: date, clock: str, zone: Any) -> datetime:
    if clock == "24:00":
        return datetime.combine(day + timedelta(days=1), time(0), zone)
    hours, minutes = clock.split(":")
    return datetime.combine(day, time(int(hours), int(minutes)), zone)
