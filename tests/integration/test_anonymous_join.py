"""Anonymous history joins the contact when an event brings both an email and an anonymous id."""

from __future__ import annotations

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from nurtureflow.events.identity import MAX_ANONYMOUS_IDS
from tests.integration.conftest import ADMIN, MARKETER, Harness


def _views(harness: Harness, anonymous_id: str, paths: list[str]) -> None:
    for n, path in enumerate(paths):
        view = {"id": f"{anonymous_id}-{n}", "type": "page_viewed", "anonymous_id": anonymous_id}
        assert harness.event({**view, "properties": {"path": path}}).status == 202


def test_a_signup_with_both_ids_moves_the_anonymous_history_to_the_contact(harness: Harness) -> None:
    _views(harness, "anon-liv", ["/", "/pricing"])
    before = wiring.events().history("anon#anon-liv")
    signup = {
        "id": "liv-signup",
        "type": "form_submitted",
        "email": "liv@example.com",
        "anonymous_id": "anon-liv",
    }
    assert harness.event(signup).status == 202
    assert harness.event(signup).status == 202  # a retried join moves nothing twice
    contact_id = contact_id_for("liv@example.com")
    history = wiring.events().history(contact_id)
    # The form also scored (default rules): its score_changed is the contact's own.
    assert sorted(e.type for e in history) == [
        "form_submitted",
        "page_viewed",
        "page_viewed",
        "score_changed",
    ]
    moved = {(e.id, e.occurred_at) for e in history if e.type == "page_viewed"}
    assert moved == {(e.id, e.occurred_at) for e in before}
    assert all(e.contact_id == contact_id for e in history)
    assert wiring.events().history("anon#anon-liv") == []
    contact = wiring.contacts().get(contact_id)
    assert contact is not None
    assert contact.anonymous_ids == ["anon-liv"]
    # A retried anonymous view (same id) stays counted once, now on the contact.
    _views(harness, "anon-liv", ["/"])
    assert len(wiring.events().history(contact_id)) == 4


def test_a_later_anonymous_only_event_is_attributed_to_the_joined_contact(harness: Harness) -> None:
    joined = {"type": "form_submitted", "email": "max@example.com", "anonymous_id": "anon-max"}
    assert harness.event(joined).status == 202
    _views(harness, "anon-max", ["/docs"])
    history = wiring.events().history(contact_id_for("max@example.com"))
    assert [e.properties.get("path") for e in history if e.type == "page_viewed"] == ["/docs"]
    assert wiring.events().history("anon#anon-max") == []


def test_a_contact_keeps_a_capped_list_of_anonymous_ids(harness: Harness) -> None:
    for n in range(MAX_ANONYMOUS_IDS + 2):
        assert (
            harness.event(
                {"type": "page_viewed", "email": "ned@example.com", "anonymous_id": f"ned-{n}"}
            ).status
            == 202
        )
    contact = wiring.contacts().get(contact_id_for("ned@example.com"))
    assert contact is not None
    assert contact.anonymous_ids == [f"ned-{n}" for n in range(2, MAX_ANONYMOUS_IDS + 2)]
    assert wiring.aliases().contact_of("ned-0") is None
    assert wiring.aliases().contact_of("ned-2") == contact.id


def test_the_trigger_function_sees_the_joined_history_in_segment_conditions(harness: Harness) -> None:
    harness.http(
        "PUT", "/admin/templates/it-pricing", {"subject": "Pricing", "html": "<p>x</p>"}, token=MARKETER
    )
    twice_on_pricing = {
        "event": "page_viewed",
        "where": {"field": "event.path", "op": "eq", "value": "/it-pricing"},
        "min_count": 2,
    }
    workflow = {
        "schema": "workflow/v1",
        "id": "it-pricing-interest",
        "name": "Pricing interest",
        "trigger": {"segment": twice_on_pricing},
        "start": "mail",
        "steps": {"mail": {"type": "email", "template": "it-pricing"}},
    }
    assert harness.http("PUT", "/admin/workflows/it-pricing-interest", workflow, token=MARKETER).status == 201
    harness.http("POST", "/admin/workflows/it-pricing-interest/activate", token=MARKETER)
    _views(harness, "anon-ora", ["/it-pricing", "/it-pricing"])
    assert (
        harness.event(
            {"type": "form_submitted", "email": "ora@example.com", "anonymous_id": "anon-ora"}
        ).status
        == 202
    )
    assert [e["subject"] for e in harness.sent_to("ora@example.com")] == ["Pricing"]


def test_erasing_the_contact_unlinks_its_anonymous_ids(harness: Harness) -> None:
    assert (
        harness.event(
            {"type": "form_submitted", "email": "pat@example.com", "anonymous_id": "anon-pat"}
        ).status
        == 202
    )
    assert wiring.aliases().contact_of("anon-pat") == contact_id_for("pat@example.com")
    assert harness.http("DELETE", "/admin/contacts/pat@example.com", token=ADMIN).status == 200
    assert wiring.aliases().contact_of("anon-pat") is None
    _views(harness, "anon-pat", ["/after"])
    assert wiring.events().history(contact_id_for("pat@example.com")) == []
    assert [e.properties["path"] for e in wiring.events().history("anon#anon-pat")] == ["/after"]
