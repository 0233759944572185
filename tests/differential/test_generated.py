"""Generated workflows (1 to 8 steps of every kind), compiled, run the same on both engines."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.strategies import compiled, scripts, workflows
from tests.support.differential import MotoEngine, run_both

# Each example costs moto a few hundred milliseconds, and a scripted timeout a real second.
EXAMPLES = 15


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), document=workflows())
def test_generated_workflows_run_the_same_on_both_engines(
    data: st.DataObject, document: dict[str, Any], moto: MotoEngine
) -> None:
    definition = compiled(document)
    ours, theirs = run_both(definition, data.draw(scripts(definition)), moto)
    assert ours == theirs
    assert ours.status == "SUCCEEDED"
