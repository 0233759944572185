"""GDPR export and erasure through the admin API, and the events' retention TTL, against the local stack."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr

from nurtureflow import wiring
from nurtureflow.aws.clients import client, dynamodb_table
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import ADMIN, FINANCE, MARKETER, Harness
from tests.support.tables import scan_all

WORKFLOW = {
    "schema": "workflow/v1",
    "id": "it-privacy",
    "name": "Signup follow-up",
    "trigger": {"event": "privacy_signup"},
    "start": "hello",
    "steps": {
        "hello": {"type": "email", "template": "it-privacy-hello", "next": "call"},
        "call": {"type": "task", "title": "Call {{ contact.first_name }}", "next": "order"},
        "order": {"type": "wait_for", "event": "order_completed", "timeout": "P30D", "next": "done",
                  "on_timeout": "done"},
        "done": {"type": "exit"},
    },
}  # fmt: skip


def _mentions(contact_id: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for i in items if contact_id in {i.get("pk"), i.get("owner"), i.get("contact_id")}]


def _signup(harness: Harness, email: str, anonymous_id: str) -> str:
    harness.http(
        "PUT", "/admin/templates/it-privacy-hello", {"subject": "Hi", "html": "<p>Hi</p>"}, token=ADMIN
    )
    harness.http("PUT", "/admin/workflows/it-privacy", WORKFLOW, token=MARKETER)
    harness.http("POST", "/admin/workflows/it-privacy/activate", token=MARKETER)
    assert harness.event({"type": "page_viewed", "anonymous_id": anonymous_id}).status == 202
    signup = {"type": "privacy_signup", "email": email, "anonymous_id": anonymous_id,
              "traits": {"first_name": "Pia", "company": "Acme"}}  # fmt: skip
    assert harness.event(signup).status == 202
    harness.stack.drain()
    return contact_id_for(email)


def test_the_export_holds_the_contact_events_tasks_sends_and_the_waiting_run(harness: Harness) -> None:
    contact_id = _signup(harness, "pia@example.com", "anon-pia")
    answer = harness.http("GET", "/admin/contacts/PIA@Example.com", token=ADMIN)
    assert answer.status == 200
    body = answer.json()
    assert body["contact"]["id"] == contact_id
    assert body["contact"]["properties"] == {"company": "Acme"}
    assert body["score"] == 0
    # The signup brought both ids: the anonymous page view joined the contact's own events.
    assert {e["type"] for e in body["events"]} >= {
        "privacy_signup",
        "email_sent",
        "task_created",
        "page_viewed",
    }
    assert body["anonymous_events"] == []
    assert body["contact"]["anonymous_ids"] == ["anon-pia"]
    assert [t["properties"]["title"] for t in body["tasks"]] == ["Call Pia"]
    [send] = body["sends"]
    assert send["email"] == "pia@example.com"
    assert send["status"] == "sent"
    [run] = body["runs"]
    assert run["workflow"] == "it-privacy"
    assert run["status"] == "running"
    assert run["waiting"]["event"] == "order_completed"
    assert "token" not in run["waiting"]
    assert harness.http("GET", f"/admin/contacts/{contact_id}", token=ADMIN).json() == body


def test_erasure_removes_the_contact_from_every_table_and_stops_its_run(harness: Harness) -> None:
    contact_id = _signup(harness, "quinn@example.com", "anon-quinn")
    run = wiring.runs().get(contact_id, "it-privacy")
    assert run is not None
    assert run["status"] == "running"
    [send] = [e.send_id for e in wiring.events().history(contact_id) if e.type == "email_sent"]
    assert send is not None
    assert wiring.sends().get(send) is not None
    ledger_before = scan_all("ledger_table")

    answer = harness.http("DELETE", "/admin/contacts/quinn@example.com", token=ADMIN)
    assert answer.status == 200
    assert answer.json()["erased"] == {
        "contact": 1,
        "events": 4,  # the anonymous page view joined the contact at signup
        "anonymous_events": 0,
        "sends": 1,
        "runs": 1,
        "executions_stopped": 1,
        "broadcasts": 0,
    }
    harness.stack.drain()
    status = client("stepfunctions").describe_execution(executionArn=run["execution_arn"])["status"]
    assert status == "ABORTED"
    assert wiring.contacts().get(contact_id) is None
    assert wiring.runs().of_contact(contact_id) == []
    assert wiring.sends().get(send) is None
    assert wiring.events().history(contact_id) == []
    assert wiring.events().history("anon#anon-quinn") == []
    for setting in ("contacts_table", "events_table", "runs_table", "sends_table"):
        assert _mentions(contact_id, scan_all(setting)) == [], setting
    markers = scan_all("events_table", FilterExpression=Attr("pk").begins_with("id#"))
    assert not [m for m in markers if m["owner"] in (contact_id, "anon#anon-quinn")], "id markers go too"
    ledger_after = scan_all("ledger_table")
    assert len(ledger_after) >= len(ledger_before), "cost lines are kept"
    assert not [i for i in ledger_after if "quinn" in str(i) or contact_id in str(i)]

    assert harness.http("GET", "/admin/contacts/quinn@example.com", token=ADMIN).status == 404
    assert harness.http("DELETE", "/admin/contacts/quinn@example.com", token=ADMIN).status == 404


def test_a_new_signup_after_erasure_starts_a_new_contact(harness: Harness) -> None:
    _signup(harness, "rae@example.com", "anon-rae")
    assert harness.http("DELETE", "/admin/contacts/rae@example.com", token=ADMIN).status == 200
    assert harness.event({"type": "page_viewed", "email": "rae@example.com"}).status == 202
    body = harness.http("GET", "/admin/contacts/rae@example.com", token=ADMIN).json()
    assert body["contact"]["properties"] == {}
    assert body["contact"]["first_name"] is None
    assert [e["type"] for e in body["events"]] == ["page_viewed"]


def test_only_admins_export_or_erase_and_unknown_contacts_are_404(harness: Harness) -> None:
    contact_id = _signup(harness, "sol@example.com", "anon-sol")
    for token in (MARKETER, FINANCE):
        assert harness.http("GET", f"/admin/contacts/{contact_id}", token=token).status == 403
        assert harness.http("DELETE", f"/admin/contacts/{contact_id}", token=token).status == 403
    assert harness.http("GET", f"/admin/contacts/{contact_id}").status == 401
    assert wiring.contacts().get(contact_id) is not None
    assert harness.http("GET", "/admin/contacts/nobody@example.com", token=ADMIN).status == 404
    assert harness.http("DELETE", "/admin/contacts/c_000000000000000000000000", token=ADMIN).status == 404
    assert harness.http("GET", "/admin/contacts/not-an@address", token=ADMIN).status == 404


def test_events_and_their_id_markers_carry_the_retention_ttl(harness: Harness) -> None:
    assert harness.event({"id": "ttl-1", "type": "page_viewed", "email": "tia@example.com"}).status == 202
    contact_id = contact_id_for("tia@example.com")
    table = dynamodb_table(wiring.tables().events_table)
    [item] = [i for i in scan_all("events_table") if i.get("pk") == contact_id]
    marker = table.get_item(Key={"pk": f"id#{item['id']}", "sk": "-"})["Item"]
    received = datetime.fromisoformat(str(item["received_at"]))
    days = wiring.retention().event_retention_days
    assert days == 400
    assert int(item["expires_at"]) == int(received.timestamp()) + days * 86400
    assert marker["expires_at"] == item["expires_at"]


def test_erasure_finds_the_sends_that_were_skipped_though_no_event_names_them(harness: Harness) -> None:
    harness.http(
        "PUT", "/admin/templates/it-privacy-hello", {"subject": "Hi", "html": "<p>Hi</p>"}, token=ADMIN
    )
    assert harness.event({"type": "page_viewed", "email": "sky@example.com"}).status == 202
    contact_id = contact_id_for("sky@example.com")
    wiring.contacts().apply(contact_id, {"unsubscribed": True}, 0, "2026-11-23T10:00:00+00:00")
    run = {"workflow": "it-privacy", "version": 1, "contact_id": contact_id, "event": {}, "enrolment": "e"}
    skipped = harness.stack.lambdas.invoke(
        "send",
        {"action": "email", "step": "hello", "template": "it-privacy-hello",
         "entered": "2026-11-23T10:00:00Z", "execution": "arn:aws:states:us-east-1:1:execution:m:sky-1",
         "run": run},
    )  # fmt: skip
    assert (skipped["status"], skipped["reason"]) == ("skipped", "unsubscribed")
    assert not [e for e in wiring.events().history(contact_id) if e.send_id]
    exported = harness.http("GET", "/admin/contacts/sky@example.com", token=ADMIN).json()
    assert [(s["status"], s["reason"]) for s in exported["sends"]] == [("skipped", "unsubscribed")]

    answer = harness.http("DELETE", "/admin/contacts/sky@example.com", token=ADMIN)
    assert answer.json()["erased"]["sends"] == 1
    assert _mentions(contact_id, scan_all("sends_table")) == []


def test_erasure_takes_the_address_out_of_a_broadcast_segment_that_named_it(harness: Harness) -> None:
    assert harness.event({"type": "page_viewed", "email": "uma@example.com"}).status == 202
    harness.http(
        "PUT", "/admin/templates/it-privacy-hello", {"subject": "Hi", "html": "<p>Hi</p>"}, token=ADMIN
    )
    segment = {
        "any": [
            {"field": "contact.email", "op": "in", "value": ["UMA@example.com", "vic@example.com"]},
            {"field": "contact.properties.cohort", "op": "eq", "value": "vip"},
        ]
    }
    send_at = (harness.stack.clock.now() + timedelta(days=3)).isoformat()
    body = {"name": "Note for uma@example.com", "template": "it-privacy-hello", "segment": segment,
            "send_at": send_at}  # fmt: skip
    created = harness.http("POST", "/admin/broadcasts", body, token=MARKETER)
    assert created.status == 202, created.body
    broadcast_id = created.json()["id"]

    answer = harness.http("DELETE", "/admin/contacts/uma@example.com", token=ADMIN)
    assert answer.status == 200
    assert answer.json()["erased"]["broadcasts"] == 1
    stored = harness.http("GET", f"/admin/broadcasts/{broadcast_id}", token=MARKETER).json()
    assert stored["segment"]["any"][0]["value"] == ["[erased]", "vic@example.com"]
    assert stored["segment"]["any"][1] == segment["any"][1]
    assert stored["name"] == "Note for [erased]"
    assert "uma@" not in str(scan_all("broadcasts_table")).lower()
    harness.http("POST", f"/admin/broadcasts/{broadcast_id}/cancel", token=MARKETER)
