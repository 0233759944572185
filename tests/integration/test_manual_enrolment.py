"""Manual enrolment through the admin API, enrolled by the trigger function."""

from __future__ import annotations

from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import ADMIN, FINANCE, MARKETER, Harness

WORKFLOW = {
    "schema": "workflow/v1",
    "id": "it-manual",
    "name": "Hand-picked",
    "trigger": {"manual": True},
    "start": "hello",
    "steps": {"hello": {"type": "email", "template": "it-manual-hello"}},
}


def _setup(harness: Harness) -> None:
    harness.http(
        "PUT", "/admin/templates/it-manual-hello", {"subject": "Picked", "html": "<p>Hi</p>"}, token=MARKETER
    )
    harness.http("PUT", "/admin/workflows/it-manual", WORKFLOW, token=MARKETER)


def test_a_paused_workflow_refuses_and_an_active_one_enrols_by_email_or_id(harness: Harness) -> None:
    _setup(harness)
    harness.event({"type": "page_viewed", "email": "wes@example.com"})
    harness.event({"type": "page_viewed", "email": "xia@example.com"})
    body = {
        "contacts": ["wes@example.com", contact_id_for("xia@example.com"), "nobody@example.com"],
        "id": "batch-1",
    }
    paused = harness.http("POST", "/admin/workflows/it-manual/enroll", body, token=MARKETER)
    assert paused.status == 409
    assert paused.json()["details"][0]["field"] == "status"
    harness.http("POST", "/admin/workflows/it-manual/activate", token=MARKETER)
    answer = harness.http("POST", "/admin/workflows/it-manual/enroll", body, token=MARKETER)
    assert answer.status == 202
    assert answer.json()["accepted"] == 2
    assert answer.json()["unknown"] == ["nobody@example.com"]
    assert [e["subject"] for e in harness.sent_to("wes@example.com")] == ["Picked"]
    assert [e["subject"] for e in harness.sent_to("xia@example.com")] == ["Picked"]
    again = harness.http("POST", "/admin/workflows/it-manual/enroll", body, token=MARKETER)
    assert again.status == 202
    assert len(harness.sent_to("wes@example.com")) == 1, "the same request id enrols once"


def test_manual_enrolment_needs_a_manual_trigger_and_an_editor(harness: Harness) -> None:
    _setup(harness)
    event_workflow = {**WORKFLOW, "id": "it-not-manual", "trigger": {"event": "page_viewed"}}
    harness.http("PUT", "/admin/workflows/it-not-manual", event_workflow, token=MARKETER)
    refused = harness.http(
        "POST", "/admin/workflows/it-not-manual/enroll", {"contacts": ["a@b.co"]}, token=MARKETER
    )
    assert refused.status == 422
    assert refused.json()["details"][0]["field"] == "trigger"
    assert (
        harness.http(
            "POST", "/admin/workflows/it-manual/enroll", {"contacts": ["a@b.co"]}, token=FINANCE
        ).status
        == 403
    )
    empty = harness.http("POST", "/admin/workflows/it-manual/enroll", {"contacts": []}, token=MARKETER)
    assert empty.status == 422
    assert empty.json()["details"][0]["field"] == "contacts"


def test_an_archived_workflow_refuses_enrolments_without_suggesting_to_activate_it(harness: Harness) -> None:
    _setup(harness)
    path = "/admin/workflows/it-manual-archived"
    harness.http("PUT", path, {**WORKFLOW, "id": "it-manual-archived"}, token=MARKETER)
    harness.http("POST", f"{path}/activate", token=MARKETER)
    assert harness.http("DELETE", path, token=ADMIN).status == 200
    refused = harness.http("POST", f"{path}/enroll", {"contacts": ["a@example.com"]}, token=MARKETER)
    assert refused.status == 409
    assert "archived" in refused.json()["message"]
    assert "activate" not in refused.json()["message"]
