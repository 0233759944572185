"""Uploads prune old Step Functions versions: the newest N, the live one and those with runs in
flight stay; older idle ones are deleted; a run in flight on an old version finishes.

AWS allows 1,000 versions per state machine
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_PublishStateMachineVersion.html);
a deleted version's running executions go on
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_DeleteStateMachineVersion.html).
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import parseaddr
from typing import Any

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from nurtureflow.settings import SendingSettings, WorkflowSettings
from tests.integration.conftest import MARKETER, Harness

WORKFLOW = "it-prune"


def _workflow(name: str) -> dict[str, Any]:
    return {
        "schema": "workflow/v1",
        "id": WORKFLOW,
        "name": name,
        "trigger": {"event": "it_prune_started"},
        "start": "pause",
        "steps": {
            "pause": {"type": "wait", "for": "PT2H", "next": "mail"},
            "mail": {"type": "email", "template": "it-prune"},
        },
    }


def _published(harness: Harness, machine_arn: str) -> set[int]:
    listed = harness.stack.runtime.list_state_machine_versions(machine_arn)["stateMachineVersions"]
    return {int(v["stateMachineVersionArn"].rsplit(":", 1)[1]) for v in listed}


def test_old_idle_versions_are_pruned_and_a_run_in_flight_keeps_its_version(harness: Harness) -> None:
    keep = WorkflowSettings().versions_kept
    uploads = keep + 4
    harness.http("PUT", "/admin/templates/it-prune", {"subject": "Prune", "html": "<p>x</p>"}, token=MARKETER)
    assert harness.http("PUT", f"/admin/workflows/{WORKFLOW}", _workflow("v1"), token=MARKETER).status == 201
    harness.http("POST", f"/admin/workflows/{WORKFLOW}/activate", token=MARKETER)
    # A run on version 1, waiting two hours.
    harness.event({"type": "it_prune_started", "email": "pruning-ivy@example.com"})

    for number in range(2, uploads + 1):
        reply = harness.http("PUT", f"/admin/workflows/{WORKFLOW}", _workflow(f"v{number}"), token=MARKETER)
        assert (reply.status, reply.json()["version"]) == (200, number)

    machine_arn = reply.json()["state_machine_arn"]
    newest = set(range(uploads - keep + 1, uploads + 1))
    assert _published(harness, machine_arn) == {1} | newest  # 1 runs; 2 .. uploads-keep are gone
    detail = harness.http("GET", f"/admin/workflows/{WORKFLOW}", token=MARKETER).json()
    pruned = {v["version"] for v in detail["versions"] if v["pruned_at"] is not None}
    assert pruned == set(range(2, uploads - keep + 1))
    assert len(detail["versions"]) == uploads  # every version's record stays
    old = harness.http("GET", f"/admin/workflows/{WORKFLOW}/versions/2", token=MARKETER).json()
    assert (old["document"]["name"], old["pruned_at"] is not None) == ("v2", True)
    assert old["definition"]["StartAt"]

    harness.stack.advance(timedelta(hours=3))

    [email] = harness.sent_to("pruning-ivy@example.com")
    assert email["subject"] == "Prune"
    # The run's own version names the list (docs/sending.md, "List-Id").
    domain = parseaddr(SendingSettings().sender)[1].rpartition("@")[2]  # the stack's sender domain
    assert email["headers"]["List-Id"] == f'"v1" <it-prune.workflow.{domain}>'
    run = wiring.runs().get(contact_id_for("pruning-ivy@example.com"), WORKFLOW)
    assert run is not None
    assert (run["version"], run["status"]) == (1, "completed")


def test_the_next_upload_prunes_a_version_once_its_run_has_ended(harness: Harness) -> None:
    keep = WorkflowSettings().versions_kept
    reply = harness.http("PUT", f"/admin/workflows/{WORKFLOW}", _workflow("after"), token=MARKETER)
    latest = reply.json()["version"]

    assert _published(harness, reply.json()["state_machine_arn"]) == set(range(latest - keep + 1, latest + 1))


def test_a_version_that_does_not_exist_is_404_and_a_bad_number_400(harness: Harness) -> None:
    missing = harness.http("GET", f"/admin/workflows/{WORKFLOW}/versions/999", token=MARKETER)
    assert (missing.status, missing.json()["error"]) == (404, "not_found")
    assert harness.http("GET", f"/admin/workflows/{WORKFLOW}/versions/0", token=MARKETER).status == 404
    assert harness.http("GET", f"/admin/workflows/{WORKFLOW}/versions/two", token=MARKETER).status == 400
