"""GET /admin/workflows/{id}/stats over the local stack: counters written where things happen, once each."""

from __future__ import annotations

import json
import re
from datetime import UTC, timedelta
from typing import Any

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import ADMIN, FINANCE, MARKETER, Harness

BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
TEMPLATE = {
    "subject": "Hi",
    "html": '<p><a href="https://shop.example/">shop</a> <a href="{{ unsubscribe_url }}">unsubscribe</a></p>',
}
WORKFLOW: dict[str, Any] = {
    "schema": "workflow/v1",
    "id": "it-stats",
    "name": "Stats",
    "trigger": {"event": "form_submitted", "where": {"field": "event.form", "op": "eq", "value": "stats"}},
    "exit_when": [{"event": "order_completed"}],
    "start": "hello",
    "steps": {
        "hello": {"type": "email", "template": "it-stats-mail", "next": "pause"},
        "pause": {"type": "wait", "for": "P1D", "next": "again"},
        "again": {"type": "email", "template": "it-stats-mail", "next": "done"},
        "done": {"type": "exit"},
    },
}


def _links(harness: Harness, email: str) -> tuple[str, str, str]:
    """The open pixel, the shop click and the unsubscribe URL of the first email to ``email``."""
    html = harness.sent_to(email)[0]["html"]
    pixel = re.search(r"(https?://[^\"']+/t/o/[^\"']+)", html)
    click = re.search(r"(https?://[^\"']+/t/c/[^\"']+)", html)
    unsubscribe = re.search(r"(https?://[^\"']+/u/[^\"']+)", html)
    assert pixel is not None
    assert click is not None
    assert unsubscribe is not None
    return pixel.group(1), click.group(1), unsubscribe.group(1)


def _stats(harness: Harness, query: str = "") -> dict[str, Any]:
    answer = harness.http("GET", f"/admin/workflows/it-stats/stats{query}", token=FINANCE)
    assert answer.status == 200, answer.body
    return answer.json()  # type: ignore[no-any-return]


def _step(stats: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(s for s in stats["steps"] if s["id"] == step_id)


def test_stats_count_sends_skips_engagement_goals_and_revenue_once_each(harness: Harness) -> None:
    harness.http("PUT", "/admin/templates/it-stats-mail", TEMPLATE, token=MARKETER)
    assert harness.http("PUT", "/admin/workflows/it-stats", WORKFLOW, token=MARKETER).status == 201
    assert harness.http("POST", "/admin/workflows/it-stats/activate", token=MARKETER).status == 200
    people = ("st-ana@example.com", "st-bob@example.com", "st-cy@example.com")
    enrolled_on = harness.stack.clock.now().astimezone(UTC)
    for email in people:
        form = {"type": "form_submitted", "email": email, "properties": {"form": "stats"}}
        assert harness.event(form).status == 202
    before = _stats(harness)
    assert (before["enrolled"], before["in_flight"], _step(before, "hello")["sent"]) == (3, 3, 3)

    harness.stack.advance(timedelta(minutes=5))
    ana_pixel, ana_click, _ = _links(harness, people[0])
    bob_pixel, _, bob_unsubscribe = _links(harness, people[1])
    for _ in range(2):  # a person opening twice and clicking twice is one open and one click
        harness.http("GET", ana_pixel, headers={"User-Agent": BROWSER})
        harness.http("GET", ana_click, headers={"User-Agent": BROWSER})
    harness.http("GET", bob_pixel, headers={"User-Agent": "Mozilla/5.0"})  # Apple MPP: a machine open
    one_click = {"Content-Type": "application/x-www-form-urlencoded"}
    assert (
        harness.http("POST", bob_unsubscribe, b"List-Unsubscribe=One-Click", headers=one_click).status == 200
    )
    # Cy buys while waiting: the goal ends the run at "pause", and the order is a conversion.
    order = {"type": "order_completed", "email": people[2], "properties": {"value": 20, "currency": "eur"}}
    assert harness.event({**order, "id": "st-order-1"}).status == 202
    assert harness.event({**order, "id": "st-order-1"}).status == 202  # a retried post counts once

    harness.stack.advance(timedelta(days=1, minutes=1))
    late = {"type": "order_completed", "email": people[0], "properties": {"value": 35.5, "currency": "EUR"}}
    assert harness.event(late).status == 202  # after Ana's run ended, inside the attribution window

    stats = _stats(harness)
    assert (stats["enrolled"], stats["ended"], stats["in_flight"]) == (3, 3, 0)
    assert (stats["exited_by_goal"], stats["conversions"], stats["revenue"]) == (1, 2, {"EUR": 55.5})
    assert [s["id"] for s in stats["steps"]] == ["hello", "pause", "again", "done"]
    hello, pause, again, done = (_step(stats, s) for s in ("hello", "pause", "again", "done"))
    assert (hello["entered"], hello["sent"], hello["skipped"]) == (3, 3, {})
    assert (hello["opened"], hello["machine_opened"], hello["clicked"], hello["unsubscribed"]) == (1, 1, 1, 1)
    assert (pause["entered"], pause["exited_by_goal"], pause["type"]) == (3, 1, "wait")
    assert (again["entered"], again["sent"], again["skipped"]) == (2, 1, {"unsubscribed": 1})
    assert (done["entered"], done["type"]) == (2, "exit")
    assert _stats(harness, "?version=1") == {**stats, "version": 1}

    # A period counts what happened on its days (UTC): the first emails on the day of enrolment,
    # the second a day later; in_flight is the runs going now, whatever the period.
    first, second = enrolled_on.date(), (enrolled_on + timedelta(days=1)).date()
    day_one = _stats(harness, f"?from={first}&to={first}")
    assert day_one["period"] == {"from": str(first), "to": str(first)}
    assert (day_one["enrolled"], _step(day_one, "hello")["sent"], _step(day_one, "again")["sent"]) == (
        3,
        3,
        0,
    )
    day_two = _stats(harness, f"?from={second}&to={second}")
    assert (day_two["enrolled"], _step(day_two, "hello")["sent"], _step(day_two, "again")["sent"]) == (
        0,
        0,
        1,
    )
    # (to the day after: the late order and the runs' ends may fall just past midnight)
    every_day = _stats(harness, f"?from={first}&to={second + timedelta(days=1)}")
    assert {**every_day, "period": None} == stats
    before_any = _stats(harness, f"?from={first - timedelta(days=30)}&to={first - timedelta(days=1)}")
    assert (before_any["enrolled"], before_any["conversions"], before_any["in_flight"]) == (0, 0, 0)

    # Redelivered run-end notices and a retried send leave every counter as it was.
    for run in wiring.runs().of_contact(contact_id_for(people[0])):
        wiring.lifecycle().ended(_status_change(run))
    assert _stats(harness) == stats


def _status_change(run: dict[str, Any]) -> dict[str, Any]:
    document = {"workflow": run["workflow"], "version": run["version"], "contact_id": run["contact_id"]}
    return {
        "executionArn": run["execution_arn"],
        "status": "SUCCEEDED",
        "stopDate": 1_700_000_000_000,
        "input": json.dumps({"run": document}),
    }


def test_the_stats_route_names_bad_queries_and_unknown_workflows(harness: Harness) -> None:
    assert harness.http("GET", "/admin/workflows/it-nobody/stats", token=FINANCE).status == 404
    harness.http("PUT", "/admin/templates/it-stats-mail", TEMPLATE, token=MARKETER)
    harness.http("PUT", "/admin/workflows/it-stats-q", {**WORKFLOW, "id": "it-stats-q"}, token=MARKETER)
    bad = (
        ("?version=abc", "version"),
        ("?version=0", "version"),
        ("?since=1", "since"),
        ("?from=2026-11-01", "to"),
        ("?from=2026-11-30&to=2026-11-01", "to"),
        ("?from=yesterday&to=2026-11-01", "from"),
    )
    for query, field in bad:
        answer = harness.http("GET", f"/admin/workflows/it-stats-q/stats{query}", token=ADMIN)
        assert answer.status == 422
        assert answer.json()["details"][0]["field"] == field
    assert harness.http("GET", "/admin/workflows/it-stats-q/stats?version=9", token=ADMIN).status == 404
    assert harness.http("GET", "/admin/workflows/it-stats-q/stats", token=None).status == 401
    empty = harness.http("GET", "/admin/workflows/it-stats-q/stats", token=MARKETER).json()
    assert empty["enrolled"] == 0
    assert _step(empty, "hello") == {
        "id": "hello",
        "type": "email",
        "entered": 0,
        "sent": 0,
        "unconfirmed": 0,
        "opened": 0,
        "machine_opened": 0,
        "clicked": 0,
        "unsubscribed": 0,
        "exited_by_goal": 0,
        "skipped": {},
    }
