"""The sending window: the next moment a workflow's email may go, in the workflow's timezone or
the contact's, skipping closed dates and weekdays without hours."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from nurtureflow.sending.window import SendingWindow
from nurtureflow.workflow.errors import WorkflowInvalidError
from nurtureflow.workflow.validate import validate_workflow

OFFICE = {"hours": {d: [{"from": "09:00", "to": "12:00"}, {"from": "13:00", "to": "17:00"}]
                    for d in ("mon", "tue", "wed", "thu", "fri")}}  # fmt: skip
# 2026-12-04 is a Friday.
FRIDAY = datetime(2026, 12, 4, tzinfo=UTC)


def _window(spec: dict[str, Any], timezone: str = "UTC") -> SendingWindow:
    return SendingWindow.from_payload({**spec, "timezone": timezone})


@pytest.mark.parametrize(
    ("now", "opens"),
    [
        (FRIDAY.replace(hour=10), None),  # inside
        (FRIDAY.replace(hour=8, minute=59), FRIDAY.replace(hour=9)),  # before the day opens
        (FRIDAY.replace(hour=12, minute=30), FRIDAY.replace(hour=13)),  # the lunch gap
        (FRIDAY.replace(hour=17), datetime(2026, 12, 7, 9, tzinfo=UTC)),  # closes at 17:00: Monday
        (datetime(2026, 12, 5, 11, tzinfo=UTC), datetime(2026, 12, 7, 9, tzinfo=UTC)),  # Saturday
    ],
)
def test_the_next_opening_in_the_workflow_s_timezone(now: datetime, opens: datetime | None) -> None:
    assert _window(OFFICE).next_opening(now, None) == opens


def test_closed_dates_are_skipped_and_a_day_may_be_open_all_day() -> None:
    window = _window({"hours": {"mon": [{"from": "00:00", "to": "24:00"}]}, "closed": ["2026-12-07"]})
    assert window.next_opening(FRIDAY, None) == datetime(2026, 12, 14, tzinfo=UTC)
    assert window.next_opening(datetime(2026, 12, 14, 23, 59, tzinfo=UTC), None) is None


def test_the_contact_s_own_timezone_when_the_workflow_says_contact() -> None:
    # 08:30 UTC is 09:30 in Paris (inside), 03:30 in New York (outside until 09:00 there, 14:00 UTC).
    now = FRIDAY.replace(hour=8, minute=30)
    window = _window(OFFICE, "contact")
    assert window.next_opening(now, "Europe/Paris") is None
    assert window.next_opening(now, "America/New_York") == FRIDAY.replace(hour=14)


def _settings(window: Any) -> dict[str, Any]:
    return {
        "schema": "workflow/v1", "id": "windowed", "name": "Windowed", "trigger": {"event": "x"},
        "settings": {"sending_window": window}, "start": "hello",
        "steps": {"hello": {"type": "email", "template": "t"}},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("window", "pointer"),
    [
        ({"hours": {"mon": [{"from": "17:00", "to": "09:00"}]}}, "/settings/sending_window/hours/mon/0"),
        ({"hours": {"mon": []}}, "/settings/sending_window"),
        ({"closed": ["2026-02-30"]}, "/settings/sending_window"),
        ({"hours": {"monday": [{"from": "09:00", "to": "17:00"}]}}, "/settings/sending_window/hours/monday"),
        ({"outside": "later"}, "/settings/sending_window/outside"),
    ],
)
def test_a_window_that_cannot_be_is_refused_at_its_pointer(window: dict[str, Any], pointer: str) -> None:
    with pytest.raises(WorkflowInvalidError) as refused:
        validate_workflow(_settings(window), lambda t: True)
    assert any(i.pointer.startswith(pointer) for i in refused.value.issues), refused.value.issues
