"""The compile benchmark measures a real workflow: its generated document validates and compiles."""

from __future__ import annotations

from bench.compile import FUNCTIONS, generated_workflow
from nurtureflow.workflow.compiler import compile_workflow
from nurtureflow.workflow.validate import validate_workflow
from tests.support.asl import asl_problems


def test_the_generated_benchmark_workflow_is_valid_and_compiles_to_valid_asl() -> None:
    definition = compile_workflow(validate_workflow(generated_workflow(60), lambda _: True), 1, FUNCTIONS)
    assert definition["StartAt"] == "s0"
    assert asl_problems([definition]) == ""
