"""Whatever a user uploads, validation answers with the workflow or with errors, never a crash."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nurtureflow.workflow.compiler import TaskFunctions, compile_workflow
from nurtureflow.workflow.diagram import to_svg
from nurtureflow.workflow.errors import ValidationIssue, WorkflowInvalidError
from nurtureflow.workflow.validate import validate_workflow
from tests.conftest import _contract_example

FUNCTIONS = TaskFunctions(
    "arn:aws:lambda:us-east-1:1:function:step", "arn:aws:lambda:us-east-1:1:function:send"
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = [
    "schema",
    "id",
    "name",
    "trigger",
    "start",
    "steps",
    "reentry",
    "exit_when",
    "settings",
    "type",
    "next",
    "for",
    "template",
    "cases",
    "when",
    "default",
    "paths",
    "percent",
    "timeout",
    "on_timeout",
    "where",
    "field",
    "op",
    "value",
    "all",
    "any",
    "not",
    "email",
    "opened",
    "event",
    "within",
    "in_list",
    "until_time",
]


def _outcome(document: Any) -> list[ValidationIssue]:
    """The errors the document gets (none when it validates and compiles)."""
    issues: list[ValidationIssue] = []
    try:
        compile_workflow(validate_workflow(document, lambda template: template != "missing"), 1, FUNCTIONS)
    except WorkflowInvalidError as error:  # a part this release cannot compile is an error, not a crash
        issues = error.issues
    for issue in issues:
        assert issue.pointer.startswith("/")
        assert issue.message
    return issues


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_value_is_answered(document: Any) -> None:
    _outcome(document)


@st.composite
def mutated_examples(draw: st.DrawFn) -> dict[str, Any]:
    """The contract's example with values replaced anywhere inside it."""
    document = copy.deepcopy(_contract_example())
    for _ in range(draw(st.integers(1, 4))):
        path: list[Any] = []
        node: Any = document
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else list(range(len(node)))))
            path.append(key)
            node = node[key]
        parent: Any = document
        for key in path[:-1]:
            parent = parent[key]
        if path:
            parent[path[-1]] = draw(JSON | st.sampled_from(KEYS))
        else:
            document[draw(st.sampled_from(KEYS))] = draw(JSON)
    return document


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_examples())
def test_any_mutation_of_a_valid_workflow_is_answered(document: dict[str, Any]) -> None:
    _outcome(document)


def _chain(length: int) -> dict[str, Any]:
    steps: dict[str, Any] = {
        f"s{i}": {"type": "update", "score": 1, "next": f"s{i + 1}"} for i in range(length)
    }
    steps[f"s{length}"] = {"type": "exit"}
    return {
        "schema": "workflow/v1",
        "id": "long",
        "name": "Long",
        "trigger": {"manual": True},
        "start": "s0",
        "steps": steps,
    }


def test_a_very_long_chain_is_refused_with_errors_not_a_crash() -> None:
    issues = _outcome(_chain(3000))
    assert [i.pointer for i in issues] == ["/steps"]


def test_the_longest_allowed_chain_validates_compiles_and_draws() -> None:
    document = _chain(999)
    assert _outcome(document) == []
    assert to_svg(validate_workflow(document, lambda t: True)).count("<g id=") == 1000
