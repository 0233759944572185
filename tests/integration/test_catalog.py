"""Every catalog workflow, played to completion in the local stack as its scenario describes."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from nurtureflow.enrolment.dates import next_daily_run
from nurtureflow.workflow.durations import parse_duration
from tests.integration.conftest import MARKETER, Harness

CATALOG = Path(__file__).resolve().parents[2] / "catalog"
NAMES = sorted(p.name for p in CATALOG.iterdir() if (p / "scenario.json").exists())


@pytest.fixture(scope="module")
def loaded(harness: Harness) -> list[str]:
    return harness.stack.load_catalog(CATALOG)


def _resolve(value: Any, harness: Harness) -> Any:
    """Scenario dates relative to the local clock: ``{next_daily_date:1990}``, ``{today+5}``."""
    if not isinstance(value, str):
        return value
    now = harness.stack.clock.now()
    if found := re.fullmatch(r"\{next_daily_date:(\d{4})\}", value):
        return next_daily_run(now).date().replace(year=int(found.group(1))).isoformat()
    if found := re.fullmatch(r"\{today\+(\d+)\}", value):
        return (now.date() + timedelta(days=int(found.group(1)))).isoformat()
    return value


class Player:
    def __init__(self, harness: Harness, workflow_id: str, email: str) -> None:
        self.harness, self.workflow_id, self.email = harness, workflow_id, email
        self.contact_id = contact_id_for(email)

    def act(self, action: dict[str, Any]) -> None:
        harness = self.harness
        if "event" in action:
            body = {**action["event"], "email": self.email}
            body["traits"] = {k: _resolve(v, harness) for k, v in body.get("traits", {}).items()}
            assert harness.event(body).status == 202
        elif "advance" in action:
            harness.stack.advance(parse_duration(action["advance"]))
        elif "set" in action:  # what an import or another system would change on the contact
            contact = wiring.contacts().get(self.contact_id)
            assert contact is not None
            fields = {k: v for k, v in action["set"].items() if k != "score"}
            delta = action["set"].get("score", contact.score) - contact.score
            wiring.contacts().apply(self.contact_id, fields, delta, harness.stack.clock.now().isoformat())
        elif "activate" in action:
            self.activate()
        elif "webhook_answer" in action:  # what the CRM answers next (the local stand-in receiver)
            assert harness.http("POST", "/_local/webhooks", action["webhook_answer"]).status == 202
        elif "enroll" in action:
            path = f"/admin/workflows/{self.workflow_id}/enroll"
            assert harness.http("POST", path, {"contacts": [self.email]}, token=MARKETER).status == 202
        elif "click" in action:
            [email] = [e for e in self.emails() if e["step"] == action["click"]]
            link = re.search(r'href="(http://[^"]+/t/c/[^"]+)"', email["html"])
            assert link is not None
            assert harness.http("GET", link.group(1)).status == 302
        else:
            raise AssertionError(f"unknown scenario action {action}")

    def activate(self) -> None:
        path = f"/admin/workflows/{self.workflow_id}/activate"
        assert self.harness.http("POST", path, token=MARKETER).status == 200

    def emails(self) -> list[dict[str, Any]]:
        return [e for e in self.harness.sent_to(self.email) if e["workflow"] == self.workflow_id]


@pytest.mark.parametrize("name", NAMES)
def test_catalog_workflow_runs_to_completion(harness: Harness, loaded: list[str], name: str) -> None:
    workflow_id = json.loads((CATALOG / name / "workflow.json").read_text())["id"]
    scenario = json.loads((CATALOG / name / "scenario.json").read_text())
    assert workflow_id in loaded
    player = Player(harness, workflow_id, f"{name}@catalog.example")
    if not scenario.get("activate_when_played"):
        player.activate()
    try:
        for action in scenario["play"]:
            player.act(action)
        assert [e["step"] for e in player.emails()] == scenario["emails"]
        contact = wiring.contacts().get(player.contact_id)
        assert contact is not None
        assert set(scenario.get("lists", [])) <= set(contact.lists)
        if "lifecycle_stage" in scenario:
            assert contact.lifecycle_stage == scenario["lifecycle_stage"]
        tasks = [
            e.properties["title"]
            for e in wiring.events().history(player.contact_id)
            if e.type == "task_created" and e.workflow == workflow_id
        ]
        assert tasks == scenario.get("tasks", [])
        run = wiring.runs().get(player.contact_id, workflow_id)
        assert run is not None
        assert run["status"] == scenario["run"]
    finally:
        # Paused again, so that later scenarios' contacts do not wander into this workflow.
        harness.http("POST", f"/admin/workflows/{workflow_id}/pause", token=MARKETER)


def test_the_catalog_has_the_ten_workflows_from_the_field() -> None:
    assert NAMES == [
        "birthday",
        "cart-recovery",
        "event-invitation",
        "hot-lead-handoff",
        "lead-to-crm",
        "onboarding-series",
        "post-purchase",
        "re-engagement",
        "sales-drip",
        "welcome-double-opt-in",
    ]
