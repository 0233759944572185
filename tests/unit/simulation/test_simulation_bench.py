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


def test_a_forecast_alone_in_a_fresh_interpreter_reports_its_time_and_the_process_peak() -> None:
    """``--process-contacts``: what a forecast job needs of its function, interpreter included."""
    measured = simulation._alone("forecast", "cart-recovery", 30, 30)
    assert measured["seconds"] > 0
    # The interpreter with the platform loaded is tens of MiB; a figure of a few KiB or of GiBs is a
    # unit read wrong (ru_maxrss is in KiB on Linux).
    assert 20 < measured["peak_mib"] < 1024
