"""An email that cannot be built for one contact is a recorded failure with its reason, not a dead run."""

from __future__ import annotations

from typing import Any

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import MARKETER, Harness

WORKFLOW: dict[str, Any] = {
    "schema": "workflow/v1",
    "id": "it-unbuildable",
    "name": "Unbuildable",
    "trigger": {
        "event": "form_submitted",
        "where": {"field": "event.form", "op": "eq", "value": "unbuildable"},
    },
    "start": "ratio",
    "steps": {
        "ratio": {"type": "email", "template": "it-ratio", "next": "plain"},
        "plain": {"type": "email", "template": "it-plain"},
    },
}


def test_a_render_error_for_one_contact_is_counted_and_the_run_goes_on(harness: Harness) -> None:
    # The upload's sample contact has no visits, so its render passes; this contact's are 0.
    ratio = {
        "subject": "Your ratio",
        "html": "<p>{{ 100 / contact.properties.visits if contact.properties.visits is defined }}</p>",
    }
    assert harness.http("PUT", "/admin/templates/it-ratio", ratio, token=MARKETER).status in (200, 201)
    plain = {"subject": "Hello", "html": "<p>Hello</p>"}
    assert harness.http("PUT", "/admin/templates/it-plain", plain, token=MARKETER).status in (200, 201)
    assert harness.http("PUT", "/admin/workflows/it-unbuildable", WORKFLOW, token=MARKETER).status == 201
    assert harness.http("POST", "/admin/workflows/it-unbuildable/activate", token=MARKETER).status == 200

    email = "zero.score@example.com"
    traits, properties = {"visits": 0}, {"form": "unbuildable"}
    event = {"type": "form_submitted", "email": email, "traits": traits, "properties": properties}
    assert harness.event(event).status == 202
    harness.stack.drain()

    assert [m["subject"] for m in harness.sent_to(email)] == ["Hello"]
    runs = [r for r in wiring.runs().of_contact(contact_id_for(email)) if r["workflow"] == "it-unbuildable"]
    assert [r["status"] for r in runs] == ["completed"]
    stats = harness.http("GET", "/admin/workflows/it-unbuildable/stats", token=MARKETER).json()
    steps = {s["id"]: s for s in stats["steps"]}
    assert (steps["ratio"]["sent"], steps["ratio"]["skipped"]) == (0, {"render_error": 1})
    assert steps["plain"]["sent"] == 1
