"""The forecast: the funnel follows the rates asked for, through the real step logic, reproducibly."""

from __future__ import annotations

import itertools
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from nurtureflow.costs.prices import load_price_table
from nurtureflow.simulation.forecast import SimulationRequest, simulate
from nurtureflow.workflow.errors import WorkflowInvalidError

CATALOG = Path(__file__).parents[3] / "catalog"
MONDAY_9AM = datetime(2026, 11, 30, 9, tzinfo=UTC)
TEMPLATES = {
    "hello": {
        "subject": "Hello {{ contact.first_name }}",
        "html": '<p>Hi <a href="https://shop.example/a">A</a></p>',
    },
    "again": {"subject": "Again", "html": '<p><a href="https://shop.example/b">B</a></p>'},
}


def drip(**extra: Any) -> dict[str, Any]:
    """Two emails two days apart, ended early by a purchase."""
    return {
        "schema": "workflow/v1",
        "id": "drip",
        "name": "Drip",
        "trigger": {"event": "signed_up"},
        "exit_when": [{"event": "order_completed"}],
        "start": "first",
        "steps": {
            "first": {"type": "email", "template": "hello", "next": "pause"},
            "pause": {"type": "wait", "for": "P2D", "next": "second"},
            "second": {"type": "email", "template": "again", "next": "end"},
            "end": {"type": "exit"},
        },
        **extra,
    }


def request(**fields: Any) -> SimulationRequest:
    return SimulationRequest.model_validate({"seed": 7, "start": MONDAY_9AM, **fields})


def near(observed: int, trials: int, rate: float) -> bool:
    """Within four standard deviations of a binomial's mean: fails by chance about once in 16,000."""
    return abs(observed - trials * rate) <= 4 * math.sqrt(trials * rate * (1 - rate)) + 1


def test_the_funnel_follows_the_rates_asked_for() -> None:
    result = simulate(
        drip(), TEMPLATES, request(contacts=1500, days=5, open_rate=0.4, click_rate=0.1, goal_rate=0)
    )
    first, second = result["steps"]["first"], result["steps"]["second"]
    assert first["entered"] == first["sent"] == 1500
    assert near(first["opened"], 1500, 0.4)
    assert near(first["clicked"], 1500, 0.1)
    assert second["entered"] == second["sent"] == 1500
    assert near(second["opened"], 1500, 0.4)
    assert near(second["clicked"], 1500, 0.1)
    assert result["emails"] == 3000
    assert list(result["steps"]) == ["first", "pause", "second", "end"]


def test_goals_end_runs_where_the_contact_was() -> None:
    result = simulate(drip(), TEMPLATES, request(contacts=1500, days=5, goal_rate=0.2))
    steps = result["steps"]
    exited = sum(step["exited"] for step in steps.values())
    assert near(exited, 1500, 0.2)
    assert result["conversions"] == exited  # a straight line: every goal lands while its run goes on
    assert steps["pause"]["exited"] > 0  # most of the run is the two-day pause
    assert steps["second"]["entered"] == 1500 - steps["first"]["exited"] - steps["pause"]["exited"]
    assert steps["second"]["sent"] == steps["second"]["entered"]


def test_the_same_seed_gives_the_same_forecast() -> None:
    once = simulate(drip(), TEMPLATES, request(contacts=200, days=3, goal_rate=0.1))
    again = simulate(drip(), TEMPLATES, request(contacts=200, days=3, goal_rate=0.1))
    other = simulate(drip(), TEMPLATES, request(contacts=200, days=3, goal_rate=0.1, seed=8))
    assert once == again
    assert once["steps"] != other["steps"]


def test_costs_are_the_price_table_applied_to_what_ran() -> None:
    result = simulate(drip(), TEMPLATES, request(contacts=300, days=3, goal_rate=0))
    prices = load_price_table()
    usd = result["cost"]["usd"]
    assert usd["ses"] == pytest.approx(float(prices.ses_price.cost(result["emails"])), abs=1e-6)
    assert usd["stepfunctions"] == pytest.approx(
        float(prices.stepfunctions_transition.cost(result["transitions"])), abs=1e-6
    )
    assert result["cost"]["total_usd"] == pytest.approx(sum(usd.values()), abs=1e-5)
    assert result["cost"]["usd_per_1000_contacts"] == pytest.approx(
        result["cost"]["total_usd"] * 1000 / 300, rel=1e-3
    )
    assert usd["apigateway"] > 0  # the opens and clicks came through the tracking API


def test_quiet_hours_hold_an_email_without_counting_the_contact_twice() -> None:
    night = drip(settings={"timezone": "UTC", "quiet_hours": {"from": "08:00", "to": "20:00"}})
    result = simulate(night, TEMPLATES, request(contacts=50, days=2, goal_rate=0))
    assert result["steps"]["first"]["entered"] == result["steps"]["first"]["sent"] == 50


def test_engagement_branches_see_the_simulated_opens() -> None:
    document = drip()
    document["steps"]["pause"] = {"type": "wait", "for": "P1D", "next": "opened"}
    document["steps"]["opened"] = {
        "type": "branch",
        "cases": [{"when": {"email": "first", "opened": True}, "next": "end"}],
        "default": "second",
    }
    result = simulate(
        document, TEMPLATES, request(contacts=1000, days=3, open_rate=0.3, click_rate=0, goal_rate=0)
    )
    steps = result["steps"]
    assert steps["second"]["entered"] == 1000 - steps["first"]["opened"]
    assert near(steps["first"]["opened"], 1000, 0.3)


@pytest.mark.parametrize("name", sorted(p.name for p in CATALOG.iterdir() if (p / "workflow.json").exists()))
def test_every_catalog_workflow_simulates(name: str) -> None:
    root = CATALOG / name
    templates = {p.stem: json.loads(p.read_text()) for p in (root / "templates").glob("*.json")}
    document = json.loads((root / "workflow.json").read_text())
    result = simulate(document, templates, request(contacts=40, days=10))
    assert result["steps"][document["start"]]["entered"] == 40
    assert result["transitions"] > 0
    assert result["cost"]["total_usd"] > 0


def test_rates_are_checked() -> None:
    with pytest.raises(ValidationError, match="click_rate"):
        SimulationRequest(open_rate=0.1, click_rate=0.2)
    with pytest.raises(ValidationError, match="contacts"):
        SimulationRequest(contacts=0)


def test_an_invalid_workflow_is_refused_with_its_errors() -> None:
    document = drip()
    document["steps"]["first"]["template"] = "missing"
    with pytest.raises(WorkflowInvalidError) as refused:
        simulate(document, TEMPLATES, request(contacts=5))
    assert any(issue.pointer == "/steps/first/template" for issue in refused.value.issues)


def test_scoring_rules_in_force_score_update_steps_and_opens_as_in_production() -> None:
    """An update step's points advance the stage the rules define, and opens earn the rules' points."""
    rules = {
        "schema": "scoring/v1",
        "rules": [{"id": "opened", "event": "email_opened", "points": 50}],
        "stages": [{"stage": "warm", "at": 10}, {"stage": "hot", "at": 60}],
    }
    document = drip()
    document["steps"] = {
        "bump": {"type": "update", "score": 15, "next": "first"},
        "first": {"type": "email", "template": "hello", "next": "pause"},
        "pause": {"type": "wait", "for": "P1D", "next": "hot"},
        "hot": {
            "type": "branch",
            "cases": [
                {"when": {"field": "contact.lifecycle_stage", "op": "eq", "value": "hot"}, "next": "second"}
            ],
            "default": "end",
        },
        "second": {"type": "email", "template": "again", "next": "end"},
        "end": {"type": "exit"},
    }
    document["start"] = "bump"
    asked = request(contacts=400, days=2, open_rate=0.4, click_rate=0, goal_rate=0)
    scored = simulate(document, TEMPLATES, asked, scoring=rules)["steps"]
    # 15 from the step, 50 more from an open: only the openers are hot by the next day.
    assert scored["second"]["entered"] == scored["first"]["opened"] > 0
    assert near(scored["first"]["opened"], 400, 0.4)
    unscored = simulate(document, TEMPLATES, asked)["steps"]
    assert unscored["second"]["entered"] == 0, "the default rules define no stage called hot"


def test_at_an_email_step_every_run_that_entered_was_sent_skipped_or_ended_by_its_goal() -> None:
    # Quiet hours hold the first email until 20:00: purchases meanwhile end runs at that step.
    night = drip(settings={"timezone": "UTC", "quiet_hours": {"from": "08:00", "to": "20:00"}})
    result = simulate(night, TEMPLATES, request(contacts=600, days=5, goal_rate=0.3))
    first, second = result["steps"]["first"], result["steps"]["second"]
    assert first["exited"] > 0, "some goals land while the email waits for the quiet hours to end"
    for step in (first, second):
        assert step["entered"] == step["sent"] + step["skipped"] + step["exited"]


def test_progress_follows_the_runs_not_the_calendar() -> None:
    """A two-day drip forecast over 30 days: the bar moves while runs act and reaches 100 % at the
    end, never resting near zero and then leaping to the end (what a newcomer saw at 0-6 %)."""
    heard: list[float] = []
    simulate(drip(), TEMPLATES, request(contacts=50, days=30), progress=heard.append)
    assert heard[-1] == 1.0
    assert heard == sorted(heard)  # never backwards
    before_the_end = heard[:-1]
    assert max(before_the_end) >= 0.5  # the second email (day 2) is past halfway of the real work
    assert max(b - a for a, b in itertools.pairwise(heard)) < 0.6


def test_a_holdout_keeps_its_share_out_and_a_webhook_calls_nothing_but_lets_the_run_go_on() -> None:
    """A forecast holds the holdout's stable share out, and answers every webhook a simulated 200
    (no request leaves the process), so the branch after it takes its path on that answer."""
    document = drip()
    document["start"] = "held"
    document["steps"]["held"] = {"type": "holdout", "percent": 20, "next": "crm"}
    document["steps"]["crm"] = {
        "type": "webhook",
        "connection": "any-name",  # a forecast is not held to the deployment's connections
        "url": "https://crm.acme.net/hooks/lead",
        "next": "route",
    }
    document["steps"]["route"] = {
        "type": "branch",
        "cases": [{"when": {"field": "webhook.crm.status", "op": "eq", "value": 200}, "next": "first"}],
        "default": "end",
    }
    result = simulate(
        document, TEMPLATES, request(contacts=1000, days=3, open_rate=0, click_rate=0, goal_rate=0)
    )
    held, crm = result["steps"]["held"], result["steps"]["crm"]
    assert held["entered"] == 1000
    assert near(1000 - crm["entered"], 1000, 0.2), "the control group's share ends at the holdout"
    assert result["steps"]["first"]["entered"] == crm["entered"], "every webhook answered 200"
