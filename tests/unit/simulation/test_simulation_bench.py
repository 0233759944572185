"""The forecast benchmark's yardstick (``bench.engine.simulation``): its bare runtime runs the same
compiled workflows through to their end, or the ratio it reports would compare unlike work."""

from __future__ import annotations

import json

import pytest

from bench.engine import simulation


@pytest.mark.parametrize("name", simulation.WORKFLOWS)
def test_the_bare_runtime_runs_every_contact_to_the_end_of_the_workflow(name: str) -> None:
    transitions, succeeded = simulation.bare(name, 20, 30)
    assert succeeded == 20
    steps = json.loads((simulation.CATALOG / name / "workflow.json").read_text())["steps"]
    # Each run passes at least the steps of its shortest path (every email and wait has helper states).
    assert transitions >= 20 * min(len(steps), 5)
