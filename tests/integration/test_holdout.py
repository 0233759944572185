"""A holdout step through the local stack: a stable share of contacts gets nothing more, both groups'
orders are counted inside ``measure_for``, the stats compare them, and the cost report shows the
incremental revenue per US dollar."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from boto3.dynamodb.conditions import Attr

from nurtureflow.stats.lift import holdout_group
from tests.integration.conftest import ADMIN, FINANCE, MARKETER, Harness
from tests.support.tables import scan_all

WORKFLOW = {
    "schema": "workflow/v1",
    "id": "it-holdout",
    "name": "Welcome with a holdout",
    "trigger": {"event": "holdout_signed_up"},
    "start": "held",
    "steps": {
        "held": {"type": "holdout", "percent": 50, "measure_for": "P3D", "next": "hello"},
        "hello": {"type": "email", "template": "it-holdout-hello"},
    },
}
PEOPLE = [f"holdout{n}@example.com" for n in range(16)]


def _runs() -> dict[str, dict[str, Any]]:
    runs = scan_all("runs_table", FilterExpression=Attr("workflow").eq("it-holdout"))
    return {run["contact_id"]: run for run in runs}


def _order(harness: Harness, event_id: str, address: str, value: int) -> None:
    body = {
        "id": event_id,
        "type": "order_completed",
        "email": address,
        "properties": {"value": value, "currency": "EUR"},
    }
    assert harness.event(body).status in (200, 202)


@pytest.fixture(scope="module")
def groups(harness: Harness) -> dict[str, list[str]]:
    template = {"subject": "Hello", "html": "<p>Hello</p>"}
    harness.http("PUT", "/admin/templates/it-holdout-hello", template, token=MARKETER)
    assert harness.http("PUT", "/admin/workflows/it-holdout", WORKFLOW, token=MARKETER).status == 201
    assert harness.http("POST", "/admin/workflows/it-holdout/activate", token=MARKETER).status == 200
    for address in PEOPLE:
        assert harness.event({"type": "holdout_signed_up", "email": address}).status == 202
    harness.stack.advance(timedelta(minutes=5))
    by_group: dict[str, list[str]] = {"control": [], "treated": []}
    runs = _runs()
    for address in PEOPLE:
        by_group[runs[_contact_id(harness, address)]["holdout"]["group"]].append(address)
    return by_group


def _contact_id(harness: Harness, address: str) -> str:
    exported = harness.http("GET", f"/admin/contacts/{address}", token=ADMIN).json()
    return str(exported["contact"]["id"])


def test_the_control_group_gets_nothing_and_each_contact_s_group_is_its_stable_bucket(
    harness: Harness, groups: dict[str, list[str]]
) -> None:
    assert groups["control"], "16 contacts at 50 % fall in both groups"
    assert groups["treated"]
    runs = _runs()
    for group, addresses in groups.items():
        for address in addresses:
            contact_id = _contact_id(harness, address)
            assert holdout_group("it-holdout", contact_id, 50) == group
            assert [e["subject"] for e in harness.sent_to(address)] == (
                ["Hello"] if group == "treated" else []
            )
            assert runs[contact_id]["status"] == "completed"


def test_stats_compare_both_groups_orders_inside_the_window(
    harness: Harness, groups: dict[str, list[str]]
) -> None:
    control, treated = groups["control"], groups["treated"]
    _order(harness, "hold-o1", treated[0], 100)
    _order(harness, "hold-o1", treated[0], 100)  # the same order delivered twice counts once
    _order(harness, "hold-o2", treated[0], 20)  # a second order: one more order, not one more buyer
    _order(harness, "hold-o3", treated[1], 60)
    _order(harness, "hold-o4", control[0], 40)
    harness.stack.advance(timedelta(days=4))
    _order(harness, "hold-o5", control[1], 500)  # after measure_for: no group counts it

    stats = harness.http("GET", "/admin/workflows/it-holdout/stats", token=MARKETER).json()
    holdout = stats["holdout"]
    assert (holdout["step"], holdout["percent"], holdout["measure_for"]) == ("held", 50, "P3D")
    assert holdout["treated"] == {
        "contacts": len(treated),
        "converted": 2,
        "conversion_rate": round(2 / len(treated), 6),
        "orders": 3,
        "revenue": {"EUR": 180},
        "revenue_per_contact": {"EUR": round(180 / len(treated), 6)},
    }
    assert holdout["control"]["contacts"] == len(control)
    assert (holdout["control"]["converted"], holdout["control"]["orders"]) == (1, 1)
    assert holdout["control"]["revenue"] == {"EUR": 40}
    difference = 180 / len(treated) - 40 / len(control)
    assert holdout["revenue_per_contact"]["EUR"]["difference"] == pytest.approx(difference, abs=1e-6)
    assert holdout["incremental_revenue"]["EUR"] == pytest.approx(difference * len(treated), abs=1e-5)
    low, high = holdout["revenue_per_contact"]["EUR"]["low"], holdout["revenue_per_contact"]["EUR"]["high"]
    assert low < difference < high
    # A held-out contact's order is not the workflow's conversion: only the treated group's are.
    assert stats["conversions"] == 3
    assert stats["revenue"] == {"EUR": 180}


def test_the_cost_report_shows_incremental_revenue_per_usd(
    harness: Harness, groups: dict[str, list[str]]
) -> None:
    today = harness.stack.clock.now().date()
    start = today - timedelta(days=10)
    query = f"/admin/costs?from={start}&to={today}&group_by=workflow"
    report = harness.http("GET", query, token=FINANCE).json()
    [row] = [r for r in report["rows"] if r["key"] == "it-holdout"]
    stats = harness.http("GET", "/admin/workflows/it-holdout/stats", token=MARKETER).json()
    lift = row["lift"]
    assert lift["treated_contacts"] == len(groups["treated"])
    assert lift["control_contacts"] == len(groups["control"])
    assert lift["incremental_revenue"] == stats["holdout"]["incremental_revenue"]
    expected = stats["holdout"]["incremental_revenue"]["EUR"] / row["total_usd"]
    assert lift["incremental_revenue_per_usd"]["EUR"] == pytest.approx(expected, rel=1e-3)
    other = [r for r in report["rows"] if r["key"] != "it-holdout"]
    assert all("lift" not in r for r in other), "a workflow without a holdout has no lift"
