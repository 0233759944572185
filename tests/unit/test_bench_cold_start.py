"""The cold-start benchmark (``python -m bench.ingest --cold-only``) times each handler's import
against ``import boto3`` in pairs of fresh interpreters, so that its ratio is taken within a pair."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

from bench.ingest import FLOOR, LAMBDA_ENV, LAYER, ROOT, import_environment, paired_import


def test_a_handler_s_import_is_timed_against_boto3_alone_in_fresh_interpreters() -> None:
    handler, boto3, ratio = paired_import(ROOT / "functions" / "step", 1)
    # No order between the two: one pair on a loaded machine can time boto3 alone above the handler.
    assert min(handler, boto3) > 0
    assert ratio == handler / boto3  # one pair: its own ratio


def test_the_floor_imports_the_platform_every_function_needs_and_nothing_of_the_project() -> None:
    code = "import handler, sys; print(sorted({m.split('.')[0] for m in sys.modules}))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=FLOOR.parent,
        env=import_environment(),
        check=True,
        capture_output=True,
        text=True,
    )
    top_level = ast.literal_eval(out.stdout)
    assert {"boto3", "aws_lambda_powertools", "pydantic"} <= set(top_level)
    assert "nurtureflow" not in top_level


def test_the_imports_run_with_the_settings_every_deployed_function_has() -> None:
    """The variables the stack gives every function the same literal value (Powertools' and
    pydantic's), as the synthesized template has them (``local/deployed/deployed.json``)."""
    deployed = json.loads((LAYER / "nurtureflow" / "local" / "deployed" / "deployed.json").read_text())
    environments = [function["environment"] for function in deployed["functions"].values()]
    shared = {
        name: value
        for name, value in environments[0].items()
        if isinstance(value, str) and all(env.get(name) == value for env in environments)
    }
    assert "PYDANTIC_DISABLE_PLUGINS" in shared
    assert {name: LAMBDA_ENV.get(name) for name in shared} == shared
