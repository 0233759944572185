"""Frequency caps over windows (settings.frequency_caps): at most N emails to a contact within a
rolling window, counting every workflow's emails (account) or this workflow's (workflow, with or
without a window); an email over a cap is skipped with the reason ``capped`` and the run goes on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.integration.conftest import MARKETER, Harness


def _series(workflow_id: str, trigger: str, caps: list[dict[str, Any]]) -> dict[str, Any]:
    """Three emails a day apart."""
    return {
        "schema": "workflow/v1", "id": workflow_id, "name": workflow_id, "trigger": {"event": trigger},
        "settings": {"frequency_caps": caps},
        "start": "one",
        "steps": {
            "one": {"type": "email", "template": "it-cap-one", "next": "w1"},
            "w1": {"type": "wait", "for": "P1D", "next": "two"},
            "two": {"type": "email", "template": "it-cap-two", "next": "w2"},
            "w2": {"type": "wait", "for": "P1D", "next": "three"},
            "three": {"type": "email", "template": "it-cap-three"},
        },
    }  # fmt: skip


def _launch(harness: Harness, *workflows: dict[str, Any]) -> None:
    for name in ("one", "two", "three", "other"):
        template = {"subject": name.title(), "html": f"<p>{name}</p>"}
        assert harness.http("PUT", f"/admin/templates/it-cap-{name}", template, token=MARKETER).status in (
            200,
            201,
        )
    for workflow in workflows:
        assert (
            harness.http("PUT", f"/admin/workflows/{workflow['id']}", workflow, token=MARKETER).status == 201
        )
        assert (
            harness.http("POST", f"/admin/workflows/{workflow['id']}/activate", token=MARKETER).status == 200
        )


def _other(trigger: str) -> dict[str, Any]:
    """Another workflow's email on the same event."""
    return {
        "schema": "workflow/v1", "id": f"{trigger.replace('_', '-')}-other", "name": "Other",
        "trigger": {"event": trigger}, "start": "hi",
        "steps": {"hi": {"type": "email", "template": "it-cap-other"}},
    }  # fmt: skip


def _subjects(harness: Harness, address: str) -> list[str]:
    return sorted(e["subject"] for e in harness.sent_to(address))


def test_a_workflow_cap_counts_its_own_emails_only(harness: Harness) -> None:
    _launch(
        harness, _series("it-cap-own", "cap_own", [{"emails": 2, "scope": "workflow"}]), _other("cap_own")
    )
    assert harness.event({"type": "cap_own", "email": "cap-ana@example.com"}).status == 202
    harness.stack.advance(timedelta(days=2, minutes=5))
    # The other workflow's email does not count: this one sends two of its three, ever.
    assert _subjects(harness, "cap-ana@example.com") == ["One", "Other", "Two"]
    stats = harness.http("GET", "/admin/workflows/it-cap-own/stats", token=MARKETER).json()
    three = next(step for step in stats["steps"] if step["id"] == "three")
    assert (three["sent"], three["skipped"]) == (0, {"capped": 1})


def test_an_account_cap_counts_every_workflow_s_emails_in_its_window(harness: Harness) -> None:
    caps = [{"emails": 2, "within": "PT36H"}]
    _launch(harness, _series("it-cap-all", "cap_all", caps), _other("cap_all"))
    assert harness.event({"type": "cap_all", "email": "cap-bo@example.com"}).status == 202
    harness.stack.advance(timedelta(days=2, minutes=5))
    # Day 0: the other's and "one" (2 in 36 h); day 1: "two" would be the third in 36 h, skipped;
    # day 2: the other's email has left the window, "three" is the second: sent.
    assert _subjects(harness, "cap-bo@example.com") == ["One", "Other", "Three"]
