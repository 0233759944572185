"""The ``webhook`` step: what the language accepts, the states it compiles to, and its signature."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from nurtureflow.settings import WebhookConnection
from nurtureflow.webhooks.delivery import answered, failed
from nurtureflow.webhooks.signing import signature, verify
from nurtureflow.workflow.compiler import TaskFunctions, compile_workflow
from nurtureflow.workflow.diagram import to_mermaid
from nurtureflow.workflow.errors import WorkflowInvalidError
from nurtureflow.workflow.validate import validate_workflow
from tests.support.asl import asl_problems
from tests.unit.workflow.test_compiler import FUNCTIONS

CRM = WebhookConnection(
    arn="arn:aws:events:us-east-1:123456789012:connection/crm/x", base_url="https://crm.acme.net/hooks/"
)
WITH_CRM = TaskFunctions(FUNCTIONS.step_arn, FUNCTIONS.send_arn, {"crm": CRM})
WITHOUT = TaskFunctions(FUNCTIONS.step_arn, FUNCTIONS.send_arn)
NOW = datetime(2026, 12, 4, 9, tzinfo=UTC)
DOCUMENT = {
    "schema": "workflow/v1",
    "id": "lead",
    "name": "Lead to CRM",
    "trigger": {"event": "signed_up"},
    "start": "crm",
    "steps": {
        "crm": {
            "type": "webhook",
            "connection": "crm",
            "url": "https://crm.acme.net/hooks/lead",
            "next": "route",
        },
        "route": {
            "type": "branch",
            "cases": [
                {"when": {"field": "webhook.crm.body.tier", "op": "eq", "value": "gold"}, "next": "bye"}
            ],
            "default": "bye",
        },
        "bye": {"type": "exit"},
    },
}


def _document(**webhook: Any) -> dict[str, Any]:
    document = copy.deepcopy(DOCUMENT)
    document["steps"]["crm"].update(webhook)
    return document


def _errors(document: dict[str, Any], functions: TaskFunctions = WITH_CRM) -> dict[str, str]:
    with pytest.raises(WorkflowInvalidError) as caught:
        compile_workflow(validate_workflow(document, lambda t: True), 1, functions)
    return {issue.pointer: issue.message for issue in caught.value.issues}


@pytest.mark.parametrize(("change", "pointer", "says"), [
    ({"url": "http://crm.acme.net/hooks/lead"}, "/steps/crm/url", "an https:// URL with no user"),
    ({"url": "https://user:pw@crm.acme.net/hooks/lead"}, "/steps/crm/url", "an https:// URL with no user"),
    ({"timeout": "PT2M"}, "/steps/crm/timeout", "at most PT60S"),
    ({"retries": 6}, "/steps/crm/retries", "less than or equal to 5"),
    ({"method": "GET"}, "/steps/crm/method", "'POST', 'PUT' or 'PATCH'"),
    ({"on_failure": "nowhere"}, "/steps/crm/on_failure", "no step is called 'nowhere'"),
])  # fmt: skip
def test_a_wrong_webhook_is_refused_naming_the_field(change: dict[str, Any], pointer: str, says: str) -> None:
    with pytest.raises(WorkflowInvalidError) as caught:
        validate_workflow(_document(**change), lambda t: True)
    messages = {issue.pointer: issue.message for issue in caught.value.issues}
    assert says in messages[pointer], messages


def test_the_connection_must_be_the_deployment_s_and_the_url_under_its_base() -> None:
    assert _errors(_document(connection="billing")) == {
        "/steps/crm/connection": "no webhook connection is called 'billing' (this deployment has crm)"
    }
    assert _errors(_document(), WITHOUT)["/steps/crm/connection"].endswith(
        "(this deployment has none: see docs/webhooks.md)"
    )
    # A look-alike host is not under the base URL.
    assert _errors(_document(url="https://crm.acme.net.evil.test/hooks/lead")) == {
        "/steps/crm/url": "connection 'crm' may call URLs under https://crm.acme.net/hooks/ only"
    }


def test_a_webhook_answer_is_read_by_branches_of_webhook_steps_only() -> None:
    document = _document()
    document["steps"]["route"]["cases"][0]["when"]["field"] = "webhook.route.status"
    document["trigger"]["where"] = {"field": "webhook.crm.ok", "op": "eq", "value": True}
    with pytest.raises(WorkflowInvalidError) as caught:
        validate_workflow(document, lambda t: True)
    assert {i.pointer: i.message for i in caught.value.issues} == {
        "/steps/route/cases/0/when/field": "'route' is not a webhook step of this workflow",
        "/trigger/where/field": "a webhook's answer is read by a branch only",
    }


def test_it_compiles_to_sign_call_and_keep_with_retries_and_a_failure_path() -> None:
    definition = compile_workflow(
        validate_workflow(_document(retries=3, timeout="PT20S", on_failure="bye"), lambda t: True),
        1,
        WITH_CRM,
    )
    states = definition["States"]
    assert states["crm"]["Parameters"]["Payload"]["action"] == "webhook"
    assert states["crm"]["Next"] == "crm.call"
    call = states["crm.call"]
    assert call["Resource"] == "arn:aws:states:::http:invoke"
    assert call["Parameters"]["ApiEndpoint"] == "https://crm.acme.net/hooks/lead"
    assert call["Parameters"]["Authentication"] == {"ConnectionArn": CRM.arn}
    assert call["Parameters"]["RequestBody.$"] == "$.hook.body"
    assert call["Parameters"]["Headers"]["X-NurtureFlow-Signature.$"] == "$.hook.signature"
    assert call["TimeoutSeconds"] == 20
    [retry] = call["Retry"]
    assert retry["MaxAttempts"] == 3
    assert {"States.Http.StatusCode.503", "States.Http.StatusCode.429", "States.Http.Socket"} <= set(
        retry["ErrorEquals"]
    )
    assert "States.Http.StatusCode.400" not in retry["ErrorEquals"], "a refusal is not retried"
    assert call["Catch"][0]["Next"] == "crm.failed"
    assert states["crm.answer"]["Next"] == "route"
    assert states["crm.failed"]["Next"] == "bye"  # on_failure
    assert states["crm.failed"]["Parameters"]["Payload"]["error.$"] == "$.hook.error"
    assert asl_problems([definition]) == ""


def test_without_retries_there_is_no_retrier_and_a_failure_goes_on_to_next() -> None:
    states = compile_workflow(validate_workflow(_document(retries=0), lambda t: True), 1, WITH_CRM)["States"]
    assert "Retry" not in states["crm.call"]
    assert states["crm.failed"]["Next"] == "route"


def test_the_signature_verifies_only_the_same_body_with_a_known_key_in_time() -> None:
    body = '{"id":"wh_1"}'
    header = signature(body, NOW, "w1", "secret")
    assert verify(header, body, {"w1": "secret"}, NOW + timedelta(seconds=30))
    assert not verify(header, body + " ", {"w1": "secret"}, NOW)
    assert not verify(header, body, {"w1": "other"}, NOW)
    assert not verify(header, body, {"w2": "secret"}, NOW)  # an unknown key id
    assert not verify(header, body, {"w1": "secret"}, NOW + timedelta(minutes=6))  # a replay
    assert not verify("garbage", body, {"w1": "secret"}, NOW)


def test_what_the_run_keeps_of_an_answer_or_a_failure() -> None:
    assert answered({"status": 201, "body": {"tier": "gold"}}) == {
        "ok": True,
        "status": 201,
        "body": {"tier": "gold"},
        "truncated": False,
    }
    assert answered({"status": 200, "body": "x" * 9000})["body"] is None
    assert failed({"Error": "States.Http.StatusCode.503", "Cause": "..."})["status"] == 503
    assert failed({"Error": "States.Http.Socket"}) == {
        "ok": False,
        "status": 0,
        "body": None,
        "error": "States.Http.Socket",
    }


def test_the_diagram_names_the_host_and_the_failure_path() -> None:
    mermaid = to_mermaid(validate_workflow(_document(on_failure="bye"), lambda t: True))
    assert 's_crm["crm: webhook crm.acme.net"]' in mermaid
    assert "s_crm -->|failed| s_bye" in mermaid


def test_only_a_branch_reading_an_answer_asks_the_step_function_to_read_the_run() -> None:
    document = _document()
    document["steps"]["bye"] = {
        "type": "branch",
        "cases": [{"when": {"field": "contact.score", "op": "gt", "value": 1}, "next": "end"}],
        "default": "end",
    }
    document["steps"]["end"] = {"type": "exit"}
    states = compile_workflow(validate_workflow(document, lambda t: True), 1, WITH_CRM)["States"]
    assert states["route"]["Parameters"]["Payload"]["webhooks"] is True
    assert "webhooks" not in states["bye"]["Parameters"]["Payload"]
