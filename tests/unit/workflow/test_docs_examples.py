"""Every example in docs/workflow-language.md is valid, and every step compiles."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from nurtureflow.conditions.model import parse_condition
from nurtureflow.settings import WebhookConnection
from nurtureflow.workflow.compiler import TaskFunctions, compile_workflow
from nurtureflow.workflow.validate import STEP_TAGS, validate_workflow
from tests.support.asl import asl_problems

DOC = Path(__file__).resolve().parents[3] / "docs" / "workflow-language.md"
BLOCK = re.compile(r"```json (workflow|trigger|step|condition)\n(.*?)```", re.S)
# The examples' webhook connection, as a deployment would configure it (docs/webhooks.md).
CRM = WebhookConnection(
    arn="arn:aws:events:us-east-1:1:connection/crm/x", base_url="https://crm.acme.com/hooks/"
)
FUNCTIONS = TaskFunctions(
    "arn:aws:lambda:us-east-1:1:function:step", "arn:aws:lambda:us-east-1:1:function:send", {"crm": CRM}
)
EXAMPLES = [(kind, json.loads(text)) for kind, text in BLOCK.findall(DOC.read_text())]


def _holder(trigger: dict[str, Any] | None = None, step: dict[str, Any] | None = None) -> dict[str, Any]:
    """A minimal workflow around one part: ``first`` is an email, ``later`` an exit."""
    steps: dict[str, Any] = {
        "first": {"type": "email", "template": "t", "next": "part"},
        "later": {"type": "exit"},
    }
    steps["part"] = step or {"type": "wait", "for": "PT1H", "next": "later"}
    if "later" not in json.dumps(steps["part"]):
        del steps["later"]  # the part ends the run itself (an exit): nothing else is reachable
    return {
        "schema": "workflow/v1",
        "id": "doc-example",
        "name": "Doc example",
        "trigger": trigger or {"manual": True},
        "start": "first",
        "steps": steps,
    }


def test_the_page_has_an_example_of_every_trigger_step_and_operator() -> None:
    kinds = {kind for kind, _ in EXAMPLES}
    assert kinds == {"workflow", "trigger", "step", "condition"}
    triggers = {
        next(k for k in ("event", "segment", "date", "manual") if k in t)
        for k, t in EXAMPLES
        if k == "trigger"
    }
    assert triggers == {"event", "segment", "date", "manual"}
    steps = {s["type"] for k, s in EXAMPLES if k == "step"}
    assert steps == STEP_TAGS
    conditions = [c for k, c in EXAMPLES if k == "condition"]
    operators = set(re.findall(r'"op": "(\w+)"', json.dumps(conditions)))
    assert operators == {
        "eq",
        "ne",
        "gt",
        "gte",
        "lt",
        "lte",
        "in",
        "not_in",
        "contains",
        "starts_with",
        "exists",
        "within",
    }
    assert {next(iter(c)) for c in conditions if "op" not in c} == {
        "all",
        "any",
        "email",
        "event",
        "in_list",
        "not",
    }


@pytest.mark.parametrize(("kind", "example"), EXAMPLES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(EXAMPLES)])
def test_each_example_is_valid_and_compiles(kind: str, example: dict[str, Any]) -> None:
    if kind == "condition":
        parse_condition(example)
        document = _holder(
            step={"type": "branch", "cases": [{"when": example, "next": "later"}], "default": "later"}
        )
    else:
        document = {"workflow": example, "trigger": _holder(trigger=example), "step": _holder(step=example)}[
            kind
        ]
    workflow = validate_workflow(document, lambda template: True)
    compile_workflow(workflow, 1, FUNCTIONS)


def test_every_compiled_example_passes_asl_validator() -> None:
    definitions = []
    for kind, example in EXAMPLES:
        if kind in ("workflow", "step"):
            document = example if kind == "workflow" else _holder(step=example)
            definitions.append(compile_workflow(validate_workflow(document, lambda t: True), 1, FUNCTIONS))
    assert asl_problems(definitions) == ""
