"""A forecast's figures do not move when its engine gets faster or lighter.

``forecast_figures.json`` holds, for every catalog workflow, the whole result of a 200-contact,
30-day forecast with a fixed seed and start, as the forecast made it on 2026-12-04 (commit c0ab140)
before the memory and speed work of issue 16. Every change since must give the same funnel, emails,
conversions, transitions and cost to the last digit. A change that means to move them regenerates the
file (``python tests/unit/simulation/test_forecast_figures.py``) and says why in its commit.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from nurtureflow.simulation.forecast import SimulationRequest, simulate

CATALOG = Path(__file__).parents[3] / "catalog"
FIGURES = Path(__file__).with_name("forecast_figures.json")
WORKFLOWS = sorted(p.name for p in CATALOG.iterdir() if (p / "workflow.json").exists())


def forecast(name: str) -> dict[str, Any]:
    document = json.loads((CATALOG / name / "workflow.json").read_text())
    templates = {p.stem: json.loads(p.read_text()) for p in (CATALOG / name / "templates").glob("*.json")}
    request = SimulationRequest(
        contacts=200,
        days=30,
        open_rate=0.3,
        click_rate=0.05,
        goal_rate=0.1,
        seed=7,
        start=datetime(2026, 11, 30, 9, tzinfo=UTC),
    )
    return simulate(document, templates, request)


@pytest.mark.parametrize("name", WORKFLOWS)
def test_a_catalog_workflow_forecasts_the_same_figures_as_before(name: str) -> None:
    expected = json.loads(FIGURES.read_text())[name]
    assert forecast(name) == expected


def test_every_catalog_workflow_has_its_figures() -> None:
    assert sorted(json.loads(FIGURES.read_text())) == WORKFLOWS


if __name__ == "__main__":
    figures = {name: forecast(name) for name in WORKFLOWS}
    sys.stdout.write(json.dumps(figures, indent=1, sort_keys=True) + "\n")
