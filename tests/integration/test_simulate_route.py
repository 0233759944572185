"""``POST /admin/workflows/{id}/simulate``: the forecast of a stored workflow, for every role."""

from __future__ import annotations

from tests.integration.conftest import FINANCE, MARKETER, Harness

WORKFLOW = {
    "schema": "workflow/v1",
    "id": "it-forecast",
    "name": "Forecast me",
    "trigger": {"event": "signed_up"},
    "exit_when": [{"event": "order_completed"}],
    "start": "hello",
    "steps": {
        "hello": {"type": "email", "template": "it-forecast-hello", "next": "pause"},
        "pause": {"type": "wait", "for": "P1D", "next": "end"},
        "end": {"type": "exit"},
    },
}
TEMPLATE = {"subject": "Hi", "html": '<p><a href="https://shop.example/">Shop</a></p>'}


def _setup(harness: Harness) -> None:
    harness.http("PUT", "/admin/templates/it-forecast-hello", TEMPLATE, token=MARKETER)
    harness.http("PUT", "/admin/workflows/it-forecast", WORKFLOW, token=MARKETER)


def test_finance_gets_the_forecast_of_a_stored_workflow(harness: Harness) -> None:
    _setup(harness)
    body = {"contacts": 300, "days": 3, "open_rate": 0.5, "click_rate": 0.2, "goal_rate": 0.1, "seed": 3}
    answer = harness.http("POST", "/admin/workflows/it-forecast/simulate", body, token=FINANCE)
    assert answer.status == 200
    forecast = answer.json()
    assert forecast["contacts"] == 300
    assert forecast["steps"]["hello"]["entered"] == 300
    assert forecast["steps"]["hello"]["sent"] == forecast["emails"] == 300
    assert 100 < forecast["steps"]["hello"]["opened"] < 200
    assert forecast["cost"]["total_usd"] > 0
    assert set(forecast["cost"]["usd"]) == {"ses", "stepfunctions", "lambda", "dynamodb", "apigateway"}
    # Nothing real happened: no run, no email.
    assert (
        harness.http("POST", "/admin/workflows/it-forecast/simulate", body, token=FINANCE).json() == forecast
    )


def test_bad_settings_are_refused_naming_the_field(harness: Harness) -> None:
    _setup(harness)
    for body, field in (
        ({"contacts": 0}, "contacts"),
        ({"contacts": 100_001}, "contacts"),
        ({"open_rate": 0.1, "click_rate": 0.5}, "click_rate"),
        ({"days": "soon"}, "days"),
        ({"colour": "blue"}, "colour"),
    ):
        answer = harness.http("POST", "/admin/workflows/it-forecast/simulate", body, token=MARKETER)
        assert answer.status == 422, body
        assert answer.json()["details"][0]["field"] == field, body
    missing = harness.http("POST", "/admin/workflows/nope/simulate", {}, token=MARKETER)
    assert missing.status == 404
    assert harness.http("POST", "/admin/workflows/it-forecast/simulate", {}).status == 401
