"""Webhook connections from context ``webhookConnections``: an EventBridge connection each, with its
API key from the operator's secret; a state-machine role held to the connections' base URLs and the
webhook methods (the condition keys of https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html);
signing keys for the step function and the connections for the admin function's compiler."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Annotations, Match, Template
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import lint  # type: ignore[import-untyped]

from infra.stack import NurtureFlowStack
from infra.stack.config import ConfigError, WebhookConnectionConfig
from tests.infra.conftest import synth
from tests.infra.test_stack import _env, _flat, _resource_list, _statements

Json = dict[str, Any]
CONNECTIONS = {
    "crm": {"baseUrl": "https://crm.acme.net/hooks", "apiKeyName": "X-Api-Key", "secretName": "acme/crm"},
}


@pytest.fixture(scope="module")
def with_webhooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[NurtureFlowStack, Json]:
    stack = synth(str(tmp_path_factory.mktemp("cdk.out")), webhookConnections=CONNECTIONS)
    return stack, Template.from_stack(stack).to_json()


def _resources(template: Json, kind: str) -> dict[str, Json]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def _machine_statements(stack: NurtureFlowStack, template: Json) -> list[Json]:
    role_id = stack.resolve(stack.workflows.role.node.default_child.logical_id)  # type: ignore[union-attr]
    return _statements(template, role_id)


def test_each_connection_holds_the_operator_s_api_key_and_no_secret_reaches_the_template(
    with_webhooks: tuple[NurtureFlowStack, Json],
) -> None:
    _, template = with_webhooks
    [connection] = _resources(template, "AWS::Events::Connection").values()
    auth = connection["Properties"]["AuthParameters"]["ApiKeyAuthParameters"]
    assert auth["ApiKeyName"] == "X-Api-Key"
    assert "{{resolve:secretsmanager:acme/crm:SecretString:apiKey" in _flat(auth["ApiKeyValue"])
    assert connection["Properties"]["AuthorizationType"] == "API_KEY"


def test_the_role_may_call_only_under_the_base_url_with_the_webhook_methods(
    with_webhooks: tuple[NurtureFlowStack, Json],
) -> None:
    stack, template = with_webhooks
    statements = _machine_statements(stack, template)
    [invoke] = [s for s in statements if s["Action"] == "states:InvokeHTTPEndpoint"]
    assert invoke["Condition"] == {
        "StringLike": {"states:HTTPEndpoint": ["https://crm.acme.net/hooks/*"]},  # the slash added
        "StringEquals": {"states:HTTPMethod": ["POST", "PUT", "PATCH"]},
    }
    assert all(":stateMachine:nurtureflow-*" in _flat(r) for r in _resource_list(invoke))
    [retrieve] = [s for s in statements if s["Action"] == "events:RetrieveConnectionCredentials"]
    [connection_id] = _resources(template, "AWS::Events::Connection")
    assert [_flat(r) for r in _resource_list(retrieve)] == [f"<{connection_id}.Arn>"]
    [secret] = [s for s in statements if "secretsmanager:GetSecretValue" in s["Action"]]
    assert [_flat(r) for r in _resource_list(secret)] == [f"<{connection_id}.SecretArn>"]


def test_the_step_function_signs_and_the_admin_function_compiles_with_the_connections(
    with_webhooks: tuple[NurtureFlowStack, Json],
) -> None:
    stack, template = with_webhooks
    step, admin = _env(template, stack.functions.step), _env(template, stack.functions.admin)
    assert "{{resolve:secretsmanager:" in _flat(step["NURTUREFLOW_WEBHOOK_KEYS"])
    assert step["NURTUREFLOW_WEBHOOK_KEY_ID"] == "w1"
    described = _flat(admin["NURTUREFLOW_WEBHOOK_CONNECTIONS"])
    assert '"base_url":"https://crm.acme.net/hooks/"' in described
    assert "NURTUREFLOW_WEBHOOK_KEYS" not in admin, "only the signer holds the signing keys"


def test_without_connections_nothing_is_created_and_no_endpoint_may_be_called(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    assert _resources(template_json, "AWS::Events::Connection") == {}
    actions = {
        a
        for s in _machine_statements(stack, template_json)
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert "states:InvokeHTTPEndpoint" not in actions
    assert "NURTUREFLOW_WEBHOOK_KEYS" not in _env(template_json, stack.functions.step)


@pytest.mark.parametrize(("name", "spec", "says"), [
    ("CRM", CONNECTIONS["crm"], "lowercase"),
    ("crm", {**CONNECTIONS["crm"], "baseUrl": "http://crm.acme.net/"}, "https://"),
    ("crm", {**CONNECTIONS["crm"], "baseUrl": "https://crm.acme.net/?x=1"}, "without query"),
    ("crm", {**CONNECTIONS["crm"], "apiKeyName": "X Api Key"}, "header name"),
    ("crm", {"baseUrl": "https://crm.acme.net/"}, "must be"),
])  # fmt: skip
def test_a_wrong_connection_is_refused_at_synth(name: str, spec: Json, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        WebhookConnectionConfig.from_context(name, spec)


def test_the_stack_with_connections_passes_cdk_nag_and_cfn_lint(
    with_webhooks: tuple[NurtureFlowStack, Json],
) -> None:
    stack, template = with_webhooks
    assert [v.rule_name for v in AwsSolutionsChecks().validate_scope(stack).violations] == []
    assert Annotations.from_stack(stack).find_error("*", Match.any_value()) == []
    matches = lint(json.dumps(template), regions=["us-east-1"])
    assert [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")] == []
