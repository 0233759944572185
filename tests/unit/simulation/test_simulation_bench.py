"""The forecast benchmark's yardstick (``bench.engine.simulation``): its bare runtime runs the same
compiled workflows through to their end, or the ratio it reports would compare unlike work."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench.engine import simulation
from nurtureflow.workflow.errors import WorkflowInvalidError


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


def test_a_workflow_of_your_own_is_benchmarked_from_its_folder_or_its_file(tmp_path: Path) -> None:
    """A workflow the catalog has never seen: a folder laid out as a catalog entry, or its JSON file
    with ``templates/`` beside it, forecasts as the same document does from the catalog."""
    own = tmp_path / "my-cart"
    shutil.copytree(simulation.CATALOG / "cart-recovery", own)
    by_name = simulation.forecast("cart-recovery", 40, 30)
    assert simulation.forecast(str(own), 40, 30) == by_name
    assert simulation.forecast(str(own / "workflow.json"), 40, 30) == by_name
    assert simulation.bare(str(own), 20, 30) == simulation.bare("cart-recovery", 20, 30)
    shutil.rmtree(own / "templates")
    with pytest.raises(WorkflowInvalidError) as refused:  # as an upload would be, naming the template
        simulation.forecast(str(own), 40, 30)
    assert any("cart-reminder" in issue.message for issue in refused.value.issues)
