"""The published JSON Schema: in step with the models, and agreeing with the API on documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from nurtureflow.workflow.schema import workflow_json_schema

DOCS_COPY = Path(__file__).resolve().parents[3] / "docs" / "workflow.schema.json"


def test_the_docs_copy_is_the_generated_schema() -> None:
    assert json.loads(DOCS_COPY.read_text()) == workflow_json_schema(), "run `make schema`"


def test_the_schema_is_valid_and_accepts_the_contract_example(cart_recovery: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(workflow_json_schema())
    assert list(Draft202012Validator(workflow_json_schema()).iter_errors(cart_recovery)) == []


def test_the_schema_refuses_unknown_keys_and_unknown_step_types(cart_recovery: dict[str, Any]) -> None:
    validator = Draft202012Validator(workflow_json_schema())
    assert list(validator.iter_errors({**cart_recovery, "colour": "blue"}))
    cart_recovery["steps"]["done"] = {"type": "finish"}
    assert list(validator.iter_errors(cart_recovery))
