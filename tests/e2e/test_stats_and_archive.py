"""A workflow's stats and its archiving, played over HTTP against the local stack as a user would."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import LocalClient

pytestmark = pytest.mark.e2e
ADMIN, MARKETER, FINANCE, SITE = (
    "local-admin-token",
    "local-marketer-token",
    "local-finance-token",
    "local-site-key",
)
WORKFLOW = {
    "schema": "workflow/v1",
    "id": "e2e-stats",
    "name": "Stats over HTTP",
    "trigger": {"event": "cart_updated", "where": {"field": "event.value", "op": "gte", "value": 20}},
    "exit_when": [{"event": "order_completed"}],
    "start": "wait-1h",
    "steps": {
        "wait-1h": {"type": "wait", "for": "PT1H", "next": "reminder"},
        "reminder": {"type": "email", "template": "e2e-stats-reminder", "next": "clicked"},
        "clicked": {
            "type": "wait_for",
            "event": "email_clicked",
            "where": {"field": "event.step", "op": "eq", "value": "reminder"},
            "timeout": "P1D",
            "next": "done",
            "on_timeout": "done",
        },
        "done": {"type": "exit"},
    },
}
TEMPLATE = {
    "subject": "Your cart",
    "html": '<p><a href="https://shop.example/cart">Back to cart</a></p>'
    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
}


def _event(stack: LocalClient, body: dict[str, Any]) -> None:
    assert stack.call("POST", "/v1/events", body, headers={"X-Site-Key": SITE}).status == 202


def _advance(stack: LocalClient, duration: str) -> None:
    assert stack.call("POST", "/_local/clock", {"advance": duration}).status == 200


def _stats(stack: LocalClient) -> dict[str, Any]:
    reply = stack.call("GET", "/admin/workflows/e2e-stats/stats", token=FINANCE)
    assert reply.status == 200, reply.body
    return reply.json()  # type: ignore[no-any-return]


def _steps(stats: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["id"]: step for step in stats["steps"]}


def test_stats_follow_a_campaign_and_an_archive_stops_what_is_left(stack: LocalClient) -> None:
    assert stack.call("PUT", "/admin/templates/e2e-stats-reminder", TEMPLATE, token=MARKETER).status == 201
    assert stack.call("PUT", "/admin/workflows/e2e-stats", WORKFLOW, token=MARKETER).status == 201
    assert stack.call("POST", "/admin/workflows/e2e-stats/activate", token=MARKETER).status == 200
    for who in ("ana", "bo", "cy"):
        _event(stack, {"type": "cart_updated", "email": f"{who}@stats.example", "properties": {"value": 40}})
    _advance(stack, "PT1H")
    emails = [e for e in stack.call("GET", "/_local/outbox").json()["emails"] if e["workflow"] == "e2e-stats"]
    assert sorted(e["to"] for e in emails) == ["ana@stats.example", "bo@stats.example", "cy@stats.example"]

    # Ana clicks (her run goes on to "done"); Bo buys while the run waits for a click (a goal).
    ana = next(e for e in emails if e["to"] == "ana@stats.example")
    click = re.search(r"(https?://[^\"']+/t/c/[^\"']+)", ana["html"])
    assert click is not None
    assert stack.call("GET", click.group(1)).status == 302
    _event(
        stack,
        {
            "type": "order_completed",
            "email": "bo@stats.example",
            "properties": {"value": 49.99, "currency": "USD"},
        },
    )
    stats = _stats(stack)
    assert (stats["enrolled"], stats["ended"], stats["in_flight"]) == (3, 2, 1)
    assert (stats["conversions"], stats["revenue"], stats["exited_by_goal"]) == (1, {"USD": 49.99}, 1)
    steps = _steps(stats)
    assert (steps["reminder"]["sent"], steps["reminder"]["clicked"], steps["reminder"]["opened"]) == (3, 1, 1)
    assert (steps["clicked"]["entered"], steps["clicked"]["exited_by_goal"]) == (2, 1)
    assert (steps["done"]["entered"], steps["wait-1h"]["entered"]) == (1, 2)

    # Cy's run still waits: archiving stops it, and the stats stay readable.
    assert stack.call("DELETE", "/admin/workflows/e2e-stats", token=MARKETER).status == 403
    archived = stack.call("DELETE", "/admin/workflows/e2e-stats", token=ADMIN)
    assert archived.status == 200
    assert (archived.json()["status"], archived.json()["runs_stopped"]) == ("archived", 1)
    assert stack.call("DELETE", "/admin/workflows/e2e-stats", token=ADMIN).json()["runs_stopped"] == 0
    after = _stats(stack)
    assert (after["status"], after["ended"], after["in_flight"]) == ("archived", 3, 0)
    assert _steps(after)["clicked"]["entered"] == 3
    assert stack.call("POST", "/admin/workflows/e2e-stats/activate", token=ADMIN).status == 409
    _event(stack, {"type": "cart_updated", "email": "dee@stats.example", "properties": {"value": 40}})
    _advance(stack, "P2D")
    later = [e for e in stack.call("GET", "/_local/outbox").json()["emails"] if e["workflow"] == "e2e-stats"]
    assert len(later) == 3
    assert _stats(stack)["enrolled"] == 3
