"""A webhook step through the local stack: the compiled HTTP Task calls the deployment's connection
with a signed body, retries what may pass on another try, and a later branch routes on the answer.

The local stack answers the connection ``crm`` (``https://crm.shop.internal/``) with its stand-in
receiver (``nurtureflow.local.webhooks``); tests queue its answers at ``POST /_local/webhooks``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from nurtureflow.local.stack import LOCAL_WEBHOOK_KEY, SIGNING_KEY_ID
from nurtureflow.local.webhooks import LOCAL_API_KEY
from nurtureflow.webhooks.signing import SIGNATURE_HEADER, verify
from tests.integration.conftest import MARKETER, Harness

URL = "https://crm.shop.internal/leads"
WORKFLOW = {
    "schema": "workflow/v1",
    "id": "it-webhook",
    "name": "Ask the CRM",
    "trigger": {"event": "hook_signed_up"},
    "start": "crm",
    "steps": {
        "crm": {"type": "webhook", "connection": "crm", "url": URL, "retries": 2, "next": "route"},
        "route": {
            "type": "branch",
            "cases": [
                {"when": {"field": "webhook.crm.body.tier", "op": "eq", "value": "gold"}, "next": "gold"},
                {"when": {"field": "webhook.crm.ok", "op": "eq", "value": False}, "next": "fallback"},
            ],
            "default": "standard",
        },
        "gold": {"type": "email", "template": "it-hook-gold"},
        "standard": {"type": "email", "template": "it-hook-standard"},
        "fallback": {"type": "email", "template": "it-hook-fallback"},
    },
}


def _received(harness: Harness) -> list[dict[str, Any]]:
    return [r for r in harness.http("GET", "/_local/webhooks").json()["received"] if r["url"] == URL]


@pytest.fixture(scope="module")
def active(harness: Harness) -> None:
    for name in ("gold", "standard", "fallback"):
        template = {"subject": name.title(), "html": f"<p>{name}</p>"}
        harness.http("PUT", f"/admin/templates/it-hook-{name}", template, token=MARKETER)
    assert harness.http("PUT", "/admin/workflows/it-webhook", WORKFLOW, token=MARKETER).status == 201
    assert harness.http("POST", "/admin/workflows/it-webhook/activate", token=MARKETER).status == 200


def _signed_up(harness: Harness, address: str) -> None:
    assert harness.event({"type": "hook_signed_up", "email": address}).status == 202
    harness.stack.advance(timedelta(minutes=5))  # the retries' back-off is a few seconds


def test_the_body_is_signed_and_the_connection_adds_its_key(harness: Harness, active: None) -> None:
    before = len(_received(harness))
    _signed_up(harness, "hook-ana@example.com")
    [call] = _received(harness)[before:]
    assert (call["method"], call["headers"]["X-Api-Key"]) == ("POST", LOCAL_API_KEY)
    body = json.loads(call["body"])
    assert body["contact"]["email"] == "hook-ana@example.com"
    assert body["workflow"] == {"id": "it-webhook", "version": 1, "step": "crm"}
    assert body["id"] == call["headers"]["X-NurtureFlow-Delivery"]
    now = datetime.fromisoformat(harness.stack.clock.now().isoformat()).astimezone(UTC)
    keys = {SIGNING_KEY_ID: LOCAL_WEBHOOK_KEY}
    assert verify(call["headers"][SIGNATURE_HEADER], call["body"], keys, now, tolerance=3600)
    assert not verify(call["headers"][SIGNATURE_HEADER], call["body"] + " ", keys, now, tolerance=3600)
    assert [e["subject"] for e in harness.sent_to("hook-ana@example.com")] == ["Standard"]


def test_a_branch_routes_on_the_answer_s_body(harness: Harness, active: None) -> None:
    harness.http("POST", "/_local/webhooks", {"url": URL, "status": 200, "body": {"tier": "gold"}})
    _signed_up(harness, "hook-bo@example.com")
    assert [e["subject"] for e in harness.sent_to("hook-bo@example.com")] == ["Gold"]


def test_a_failing_endpoint_is_retried_then_the_run_goes_on_knowing_it_failed(
    harness: Harness, active: None
) -> None:
    for _ in range(3):  # the first try and both retries
        harness.http("POST", "/_local/webhooks", {"url": URL, "status": 503, "body": {"error": "down"}})
    before = len(_received(harness))
    _signed_up(harness, "hook-cy@example.com")
    calls = _received(harness)[before:]
    assert len(calls) == 3
    assert len({c["headers"]["X-NurtureFlow-Delivery"] for c in calls}) == 1, "one delivery, retried"
    assert [e["subject"] for e in harness.sent_to("hook-cy@example.com")] == ["Fallback"]


def test_a_workflow_may_call_only_its_deployment_s_connections_under_their_base_url(
    harness: Harness,
) -> None:
    document = json.loads(json.dumps(WORKFLOW))
    document["id"] = "it-webhook-refused"
    document["steps"]["crm"]["connection"] = "billing"
    refused = harness.http("PUT", "/admin/workflows/it-webhook-refused", document, token=MARKETER)
    assert refused.status == 422
    assert {d["pointer"] for d in refused.json()["details"]} == {"/steps/crm/connection"}
    document["steps"]["crm"] |= {"connection": "crm", "url": "https://crm.shop.internal.evil.test/leads"}
    refused = harness.http("PUT", "/admin/workflows/it-webhook-refused", document, token=MARKETER)
    assert [d["pointer"] for d in refused.json()["details"]] == ["/steps/crm/url"]
    assert "https://crm.shop.internal/" in refused.json()["details"][0]["message"]
