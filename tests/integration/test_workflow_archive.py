"""DELETE /admin/workflows/{id} over the local stack: archived, enrolling nobody, every run stopped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import ADMIN, FINANCE, MARKETER, Harness

TEMPLATE = {"subject": "Hi", "html": "<p>hello</p>"}


def _workflow(name: str) -> dict[str, Any]:
    return {
        "schema": "workflow/v1",
        "id": "it-archive",
        "name": name,
        "trigger": {"event": "form_submitted", "where": {"field": "event.form", "op": "eq", "value": "arc"}},
        "start": "pause",
        "steps": {
            "pause": {"type": "wait", "for": "P2D", "next": "hello"},
            "hello": {"type": "email", "template": "it-archive-mail"},
        },
    }


def _enrol(harness: Harness, email: str) -> None:
    form = {"type": "form_submitted", "email": email, "properties": {"form": "arc"}}
    assert harness.event(form).status == 202


def test_archiving_stops_the_runs_of_every_version_and_enrols_nobody_again(harness: Harness) -> None:
    harness.http("PUT", "/admin/templates/it-archive-mail", TEMPLATE, token=MARKETER)
    assert harness.http("PUT", "/admin/workflows/it-archive", _workflow("v1"), token=MARKETER).status == 201
    harness.http("POST", "/admin/workflows/it-archive/activate", token=MARKETER)
    _enrol(harness, "arc-1@example.com")
    assert harness.http("PUT", "/admin/workflows/it-archive", _workflow("v2"), token=MARKETER).status == 200
    _enrol(harness, "arc-2@example.com")  # on version 2; the first run stays on version 1
    runs = [wiring.runs().get(contact_id_for(f"arc-{n}@example.com"), "it-archive") for n in (1, 2)]
    assert [r and (r["version"], r["status"]) for r in runs] == [(1, "running"), (2, "running")]

    assert harness.http("DELETE", "/admin/workflows/it-archive", token=MARKETER).status == 403
    answer = harness.http("DELETE", "/admin/workflows/it-archive", token=ADMIN)
    assert answer.status == 200
    assert (answer.json()["status"], answer.json()["runs_stopped"]) == ("archived", 2)
    for n in (1, 2):
        run = wiring.runs().get(contact_id_for(f"arc-{n}@example.com"), "it-archive")
        assert run is not None
        assert run["status"] == "stopped"

    again = harness.http("DELETE", "/admin/workflows/it-archive", token=ADMIN)
    assert again.status == 200
    assert {**again.json(), "updated_at": None} == {**answer.json(), "runs_stopped": 0, "updated_at": None}

    _enrol(harness, "arc-3@example.com")
    harness.stack.advance(timedelta(days=3))
    assert wiring.runs().get(contact_id_for("arc-3@example.com"), "it-archive") is None
    assert [e for e in harness.stack.outbox() if e["workflow"] == "it-archive"] == []

    # Still readable, with its stats; never active again, nor changed.
    assert harness.http("GET", "/admin/workflows/it-archive", token=FINANCE).json()["status"] == "archived"
    stats = harness.http("GET", "/admin/workflows/it-archive/stats", token=FINANCE).json()
    assert (stats["status"], stats["enrolled"], stats["ended"], stats["in_flight"]) == ("archived", 2, 2, 0)
    assert stats["versions"] == [1, 2]
    for action in ("activate", "pause"):
        refused = harness.http("POST", f"/admin/workflows/it-archive/{action}", token=MARKETER)
        assert (refused.status, refused.json()["error"]) == (409, "workflow_archived")
    refused = harness.http("PUT", "/admin/workflows/it-archive", _workflow("v3"), token=MARKETER)
    assert refused.status == 409
    versions = harness.http("GET", "/admin/workflows/it-archive", token=ADMIN).json()["versions"]
    assert [v["version"] for v in versions] == [1, 2]


def test_archiving_an_unknown_workflow_is_a_404(harness: Harness) -> None:
    answer = harness.http("DELETE", "/admin/workflows/it-never-was", token=ADMIN)
    assert (answer.status, answer.json()["error"]) == (404, "not_found")
