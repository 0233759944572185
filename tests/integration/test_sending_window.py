"""A workflow's sending window in the local stack: an email due outside it waits for its next
opening (through the same deferral as quiet hours), or, with ``outside: "skip"``, is skipped with
the reason ``outside_window`` and the run goes on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from nurtureflow.workflow.schedule import WEEKDAYS
from tests.integration.conftest import MARKETER, Harness


def _windowed(workflow_id: str, trigger: str, outside: str, day: str) -> dict[str, Any]:
    return {
        "schema": "workflow/v1", "id": workflow_id, "name": workflow_id, "trigger": {"event": trigger},
        "settings": {"sending_window": {"hours": {day: [{"from": "09:00", "to": "10:00"}]},
                                        "outside": outside}},
        "start": "hello",
        "steps": {"hello": {"type": "email", "template": "it-window", "next": "bye"},
                  "bye": {"type": "email", "template": "it-window-bye"}},
    }  # fmt: skip


def _two_days_ahead(harness: Harness) -> str:
    return WEEKDAYS[(harness.stack.clock.now().weekday() + 2) % 7]


def _launch(harness: Harness, workflow: dict[str, Any]) -> None:
    for name, subject in (("it-window", "Hello"), ("it-window-bye", "Bye")):
        template = {"subject": subject, "html": f"<p>{subject}</p>"}
        assert harness.http("PUT", f"/admin/templates/{name}", template, token=MARKETER).status in (200, 201)
    assert harness.http("PUT", f"/admin/workflows/{workflow['id']}", workflow, token=MARKETER).status == 201
    assert harness.http("POST", f"/admin/workflows/{workflow['id']}/activate", token=MARKETER).status == 200


def test_an_email_due_outside_the_window_waits_for_its_opening(harness: Harness) -> None:
    day = _two_days_ahead(harness)
    _launch(harness, _windowed("it-window-wait", "window_wait", "wait", day))
    assert harness.event({"type": "window_wait", "email": "win-ana@example.com"}).status == 202
    assert harness.sent_to("win-ana@example.com") == []
    harness.stack.advance(timedelta(days=3))
    sent = harness.sent_to("win-ana@example.com")
    assert [e["subject"] for e in sent] == ["Hello", "Bye"]  # both inside the same hour's opening
    at = [harness.stack.clock.now().fromisoformat(e["sent_at"]) for e in sent]
    assert all(WEEKDAYS[t.weekday()] == day and t.hour == 9 for t in at), at


def test_with_skip_an_email_due_outside_the_window_is_skipped_and_the_run_goes_on(harness: Harness) -> None:
    _launch(harness, _windowed("it-window-skip", "window_skip", "skip", _two_days_ahead(harness)))
    assert harness.event({"type": "window_skip", "email": "win-bo@example.com"}).status == 202
    assert harness.sent_to("win-bo@example.com") == []
    stats = harness.http("GET", "/admin/workflows/it-window-skip/stats", token=MARKETER).json()
    skipped = {step["id"]: step["skipped"] for step in stats["steps"]}
    assert skipped["hello"] == {"outside_window": 1}
    assert skipped["bye"] == {"outside_window": 1}
