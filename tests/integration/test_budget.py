"""A workflow's monthly budget through the local stack: emails over it are skipped, and the cost
report shows the budget beside the workflow's row."""

from __future__ import annotations

from typing import Any

import pytest
from boto3.dynamodb.conditions import Attr

from tests.integration.conftest import FINANCE, MARKETER, Harness
from tests.support.tables import scan_all


def _sends_of(workflow: str) -> list[dict[str, Any]]:
    return scan_all("sends_table", FilterExpression=Attr("workflow").eq(workflow))


def test_emails_over_the_budget_are_skipped_and_the_report_shows_the_budget(harness: Harness) -> None:
    # An email costs about 0.000113 USD (SES, and 20 DynamoDB write units) and each run about
    # 0.00003: an email is sent while the month's spend plus its own cost stays within the budget,
    # so 0.00032 leaves room for two (0.000255 before the second, 0.000396 before the third).
    workflow = {
        "schema": "workflow/v1",
        "id": "it-budget",
        "name": "Budget",
        "trigger": {"event": "content_downloaded"},
        "settings": {"monthly_budget_usd": 0.00032},
        "start": "hello",
        "steps": {"hello": {"type": "email", "template": "it-budget"}},
    }
    harness.http("PUT", "/admin/templates/it-budget", {"subject": "Hi", "html": "<p>x</p>"}, token=MARKETER)
    assert harness.http("PUT", "/admin/workflows/it-budget", workflow, token=MARKETER).status == 201
    harness.http("POST", "/admin/workflows/it-budget/activate", token=MARKETER)
    people = [f"budget{n}@example.com" for n in range(4)]
    for address in people:
        assert harness.event({"type": "content_downloaded", "email": address}).status in (200, 202)
    sent = [address for address in people if harness.sent_to(address)]
    assert len(sent) == 2
    records = _sends_of("it-budget")
    assert sorted((r["status"], r.get("reason")) for r in records) == [
        ("sent", None),
        ("sent", None),
        ("skipped", "budget"),
        ("skipped", "budget"),
    ]

    today = harness.stack.clock.now().date()
    query = f"/admin/costs?from={today}&to={today}&group_by=workflow"
    report = harness.http("GET", query, token=FINANCE).json()
    [row] = [r for r in report["rows"] if r["key"] == "it-budget"]
    assert row["emails"] == 2
    month = today.isoformat()[:7]
    assert row["budget"]["month"] == month
    assert row["budget"]["monthly_usd"] == 0.00032
    # All of this month's spend is today's: the two emails, and the four runs that ended after them
    # (their transitions land when they end, after the sends were checked: the budget is soft).
    assert row["budget"]["spent_usd"] == pytest.approx(row["total_usd"], abs=1e-6)
    assert row["budget"]["exceeded"] is (row["total_usd"] > 0.00032)
    assert row["usd"]["apigateway"] > 0, "runs enrolled by a posted event carry its API request"
    assert all("budget" not in r for r in report["rows"] if r["key"] != "it-budget")
    csv = harness.http("GET", query, token=FINANCE, headers={"Accept": "text/csv"}).body.decode()
    assert csv.splitlines()[0] == (
        "key,emails,usd_ses,usd_stepfunctions,usd_lambda,usd_dynamodb,usd_apigateway,total_usd,usd_per_email"
    )
    harness.http("POST", "/admin/workflows/it-budget/pause", token=MARKETER)
