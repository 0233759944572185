"""A new version of a workflow takes new enrolments; runs in flight finish on the version they started."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import MARKETER, Harness


def _workflow(template: str) -> dict[str, Any]:
    return {
        "schema": "workflow/v1",
        "id": "it-versions",
        "name": "Versions",
        "trigger": {"event": "checkout_started"},
        "start": "pause",
        "steps": {
            "pause": {"type": "wait", "for": "PT2H", "next": "mail"},
            "mail": {"type": "email", "template": template},
        },
    }


def test_runs_in_flight_keep_their_version(harness: Harness) -> None:
    for name in ("it-v1", "it-v2"):
        harness.http("PUT", f"/admin/templates/{name}", {"subject": name, "html": "<p>x</p>"}, token=MARKETER)
    assert (
        harness.http("PUT", "/admin/workflows/it-versions", _workflow("it-v1"), token=MARKETER).status == 201
    )
    harness.http("POST", "/admin/workflows/it-versions/activate", token=MARKETER)
    harness.event({"type": "checkout_started", "email": "yan@example.com"})
    second = harness.http("PUT", "/admin/workflows/it-versions", _workflow("it-v2"), token=MARKETER)
    assert (second.status, second.json()["version"], second.json()["status"]) == (200, 2, "active")
    harness.event({"type": "checkout_started", "email": "zoe@example.com"})
    harness.stack.advance(timedelta(hours=3))
    assert [e["subject"] for e in harness.sent_to("yan@example.com")] == ["it-v1"]
    assert [e["subject"] for e in harness.sent_to("zoe@example.com")] == ["it-v2"]
    assert wiring.runs().get(contact_id_for("yan@example.com"), "it-versions")["version"] == 1  # type: ignore[index]


def test_new_runs_start_on_the_live_alias(harness: Harness) -> None:
    detail = harness.http("GET", "/admin/workflows/it-versions", token=MARKETER).json()
    assert detail["alias_arn"] == f"{detail['state_machine_arn']}:live"
    run = wiring.runs().get(contact_id_for("zoe@example.com"), "it-versions")
    assert run is not None
    assert run["version"] == 2
