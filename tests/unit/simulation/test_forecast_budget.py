"""The simulator keeps a workflow's monthly budget as the send function does."""

from __future__ import annotations

from nurtureflow.simulation.forecast import simulate
from tests.unit.simulation.test_forecast import TEMPLATES, drip, request


def test_a_forecast_over_budget_skips_emails_with_reason_budget() -> None:
    # 0.001 USD: room for a few emails' SES and Lambda, not for 40 contacts' worth.
    result = simulate(drip(settings={"monthly_budget_usd": 0.001}), TEMPLATES, request(contacts=40, days=1))
    first = result["steps"]["first"]
    assert first["entered"] == 40
    assert 0 < first["sent"] < 40
    assert first["skipped_by_reason"] == {"budget": 40 - first["sent"]}
    free = simulate(drip(), TEMPLATES, request(contacts=40, days=1))
    assert free["steps"]["first"]["sent"] == 40
