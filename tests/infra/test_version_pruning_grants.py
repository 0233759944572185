"""The admin function may prune old workflow versions, on the workflow machines only; nobody else may.

Step Functions authorizes a version ARN against its state machine's ARN
(https://docs.aws.amazon.com/step-functions/latest/dg/auth-version-alias.html); ListExecutions
takes a version ARN (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html).
"""

from __future__ import annotations

import re
from typing import Any

from infra.stack import NurtureFlowStack
from tests.infra.test_stack import _actions, _flat, _resource_list, _role_id, _statements

PRUNE_ACTIONS = {
    "states:ListStateMachineVersions",
    "states:ListExecutions",
    "states:DeleteStateMachineVersion",
}


def _granted(template_json: dict[str, Any], function: Any) -> dict[str, list[str]]:
    """Each states: action the function's role allows, with the resources (flattened) it allows it on."""
    granted: dict[str, list[str]] = {}
    for statement in _statements(template_json, _role_id(template_json, function)):
        assert statement["Effect"] == "Allow"
        for action in _actions(statement):
            granted.setdefault(action, []).extend(_flat(r) for r in _resource_list(statement))
    return granted


def _matches(pattern: str, arn: str) -> bool:
    """IAM's wildcard: ``*`` matches any characters, colons included."""
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), arn) is not None


def test_the_admin_role_may_list_versions_and_their_runs_and_delete_versions_of_workflow_machines(
    stack: NurtureFlowStack, template_json: dict[str, Any]
) -> None:
    granted = _granted(template_json, stack.functions.admin)

    for action in PRUNE_ACTIONS:
        assert granted.get(action), action
        for resource in granted[action]:
            assert resource.endswith(":stateMachine:nurtureflow-*"), (action, resource)
            # The machine, a version of it and its live alias all fall under the grant.
            prefix = resource.removesuffix("nurtureflow-*")
            for arn in ("nurtureflow-drip", "nurtureflow-drip:42", "nurtureflow-drip:live"):
                assert _matches(resource, prefix + arn)
            assert not _matches(resource, prefix + "NurtureFlowBroadcasts:3")


def test_only_the_admin_function_may_delete_state_machine_versions(
    stack: NurtureFlowStack, template_json: dict[str, Any]
) -> None:
    deleters = {
        function.node.id
        for function in stack.functions.all
        if "states:DeleteStateMachineVersion" in _granted(template_json, function)
    }
    assert deleters == {"Admin"}
