"""A step that cannot do its work is recorded with its reason, and the run ends: no run is left hanging."""

from __future__ import annotations

from datetime import timedelta

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import MARKETER, Harness


def test_a_template_deleted_before_its_send_is_a_recorded_failure_and_the_run_ends(harness: Harness) -> None:
    harness.http("PUT", "/admin/templates/it-doomed", {"subject": "x", "html": "<p>x</p>"}, token=MARKETER)
    workflow = {
        "schema": "workflow/v1",
        "id": "it-doomed",
        "name": "Doomed",
        "trigger": {"event": "cta_clicked"},
        "start": "pause",
        "steps": {
            "pause": {"type": "wait", "for": "PT1H", "next": "mail"},
            "mail": {"type": "email", "template": "it-doomed"},
        },
    }
    assert harness.http("PUT", "/admin/workflows/it-doomed", workflow, token=MARKETER).status == 201
    harness.http("POST", "/admin/workflows/it-doomed/activate", token=MARKETER)
    harness.event({"type": "cta_clicked", "email": "hal@example.com"})
    # The template disappears while the run waits (an operator deleted it in the table).
    wiring.templates()._table.delete_item(Key={"pk": "it-doomed"})
    harness.stack.advance(timedelta(hours=2))
    run = wiring.runs().get(contact_id_for("hal@example.com"), "it-doomed")
    assert run is not None
    assert run["status"] == "completed"  # a failure to build one email is an outcome, not a dead run
    assert harness.sent_to("hal@example.com") == []
    stats = harness.http("GET", "/admin/workflows/it-doomed/stats", token=MARKETER).json()
    [mail] = [s for s in stats["steps"] if s["id"] == "mail"]
    assert (mail["sent"], mail["skipped"]) == (0, {"template_missing": 1})
    harness.http("POST", "/admin/workflows/it-doomed/pause", token=MARKETER)
