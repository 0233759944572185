"""Date triggers in the local stack: the daily run enrols on the day, the run starts at ``at``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nurtureflow.enrolment.dates import next_daily_run
from tests.integration.conftest import MARKETER, Harness

BIRTHDAY = {
    "schema": "workflow/v1",
    "id": "it-birthday",
    "name": "Birthday",
    "trigger": {"date": {"field": "contact.properties.birthday", "every": "year", "at": "09:00"}},
    "settings": {"timezone": "UTC"},
    "start": "wish",
    "steps": {"wish": {"type": "email", "template": "it-birthday"}},
}


def test_the_daily_run_enrols_on_the_day_and_the_email_leaves_at_nine(harness: Harness) -> None:
    harness.http(
        "PUT",
        "/admin/templates/it-birthday",
        {"subject": "Happy birthday {{ contact.first_name }}", "html": "<p>x</p>"},
        token=MARKETER,
    )
    assert harness.http("PUT", "/admin/workflows/it-birthday", BIRTHDAY, token=MARKETER).status == 201
    harness.http("POST", "/admin/workflows/it-birthday/activate", token=MARKETER)
    day = next_daily_run(harness.stack.clock.now()).date()
    harness.event(
        {
            "type": "page_viewed",
            "email": "dan@example.com",
            "traits": {"first_name": "Dan", "birthday": day.replace(year=1990).isoformat()},
        }
    )
    harness.event(
        {
            "type": "page_viewed",
            "email": "eli@example.com",
            "traits": {"birthday": (day + timedelta(days=3)).replace(year=1985).isoformat()},
        }
    )
    seven = datetime.combine(day, datetime.min.time(), UTC).replace(hour=7)
    harness.stack.advance(seven - harness.stack.clock.now())  # after the 06:00 daily run, before 09:00
    assert harness.sent_to("dan@example.com") == [], "enrolled, waiting for 09:00"
    assert harness.stack.lambdas.invoke("trigger", {"action": "daily"})["enrolled"] == {}, (
        "nobody twice a day"
    )
    harness.stack.advance(timedelta(days=2))
    [wish] = harness.sent_to("dan@example.com")
    assert wish["subject"] == "Happy birthday Dan"
    assert datetime.fromisoformat(wish["sent_at"]) == seven.replace(hour=9)
    assert harness.sent_to("eli@example.com") == []
