"""Segment triggers: contacts enter when they come to match, existing ones on activation if asked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import MARKETER, Harness

HOT = {"field": "contact.score", "op": "gte", "value": 50}


def _workflow(workflow_id: str, segment: dict[str, Any], include_existing: bool = False) -> dict[str, Any]:
    return {
        "schema": "workflow/v1",
        "id": workflow_id,
        "name": "Hot leads",
        "trigger": {"segment": segment, "include_existing": include_existing},
        "start": "hand-off",
        "steps": {"hand-off": {"type": "email", "template": "it-hot"}},
    }


def _upload(harness: Harness, document: dict[str, Any]) -> dict[str, Any]:
    harness.http("PUT", "/admin/templates/it-hot", {"subject": "Hot", "html": "<p>x</p>"}, token=MARKETER)
    assert harness.http("PUT", f"/admin/workflows/{document['id']}", document, token=MARKETER).status in (
        200,
        201,
    )
    return harness.http("POST", f"/admin/workflows/{document['id']}/activate", token=MARKETER).json()


def test_a_contact_enters_when_an_update_step_brings_it_into_the_segment(harness: Harness) -> None:
    _upload(
        harness,
        _workflow(
            "it-hot-leads",
            {"all": [HOT, {"field": "contact.properties.team", "op": "eq", "value": "growth"}]},
        ),
    )
    bump = {
        "schema": "workflow/v1",
        "id": "it-bump",
        "name": "Bump",
        "trigger": {"event": "content_downloaded"},
        "start": "bump",
        "steps": {"bump": {"type": "update", "score": 60}},
    }
    _upload(harness, bump)
    harness.event({"type": "page_viewed", "email": "amy@example.com", "traits": {"team": "growth"}})
    assert harness.sent_to("amy@example.com") == [], "score 0: not yet in the segment"
    harness.event({"type": "content_downloaded", "email": "amy@example.com"})
    assert [e["subject"] for e in harness.sent_to("amy@example.com")] == ["Hot"]
    harness.event({"type": "page_viewed", "email": "amy@example.com"})
    assert len(harness.sent_to("amy@example.com")) == 1, "reentry 'never': in once"


def test_include_existing_enrols_contacts_already_matching_on_activation(harness: Harness) -> None:
    harness.event({"type": "page_viewed", "email": "bea@example.com", "traits": {"tier": "gold"}})
    harness.event({"type": "page_viewed", "email": "cal@example.com", "traits": {"tier": "silver"}})
    activated = _upload(
        harness,
        _workflow(
            "it-gold",
            {"field": "contact.properties.tier", "op": "eq", "value": "gold"},
            include_existing=True,
        ),
    )
    assert activated["backfilling"] is True
    assert [e["subject"] for e in harness.sent_to("bea@example.com")] == ["Hot"]
    assert harness.sent_to("cal@example.com") == []


def test_the_daily_run_sweeps_segments_that_time_alone_makes_true(harness: Harness) -> None:
    quiet_for_a_while = {
        "all": [
            {"in_list": "it-sweep"},
            {"not": {"field": "contact.created_at", "op": "within", "value": "P3D"}},
        ]
    }
    _upload(harness, _workflow("it-swept", quiet_for_a_while))
    harness.event({"type": "page_viewed", "email": "dov@example.com"})
    contact_id = contact_id_for("dov@example.com")
    wiring.contacts().apply(contact_id, {"lists": ["it-sweep"]}, 0, harness.stack.clock.now().isoformat())
    harness.stack.advance(timedelta(days=2))
    assert harness.sent_to("dov@example.com") == [], "a fresh contact is not in the segment"
    harness.stack.advance(timedelta(days=3))  # no activity: only the daily sweep can see it
    assert [e["subject"] for e in harness.sent_to("dov@example.com")] == ["Hot"]
    harness.http("POST", "/admin/workflows/it-swept/pause", token=MARKETER)
