"""``wait_for`` ``any``: a run waits for the first of several events, each with its own condition
and next step, or the timeout; the trigger resumes it with which event came first."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.conftest import MARKETER, Harness

WORKFLOW = {
    "schema": "workflow/v1",
    "id": "it-wait-any",
    "name": "Whichever comes first",
    "trigger": {"event": "any_tested"},
    "start": "hello",
    "steps": {
        "hello": {"type": "email", "template": "it-any-hello", "next": "which"},
        "which": {
            "type": "wait_for",
            "any": [
                {"event": "order_completed", "next": "thanks"},
                {"event": "cart_updated", "where": {"field": "event.value", "op": "gte", "value": 50},
                 "next": "nudge"},
            ],
            "timeout": "P2D",
            "on_timeout": "bye",
        },
        "thanks": {"type": "email", "template": "it-any-thanks"},
        "nudge": {"type": "email", "template": "it-any-nudge"},
        "bye": {"type": "email", "template": "it-any-bye"},
    },
}  # fmt: skip


def test_the_first_matching_event_decides_the_path_and_the_timeout_the_rest(harness: Harness) -> None:
    for name in ("hello", "thanks", "nudge", "bye"):
        template = {"subject": name.title(), "html": f"<p>{name}</p>"}
        assert harness.http("PUT", f"/admin/templates/it-any-{name}", template, token=MARKETER).status in (
            200,
            201,
        )
    assert harness.http("PUT", "/admin/workflows/it-wait-any", WORKFLOW, token=MARKETER).status == 201
    assert harness.http("POST", "/admin/workflows/it-wait-any/activate", token=MARKETER).status == 200
    people = ("any-ana@example.com", "any-bo@example.com", "any-cy@example.com")
    for address in people:
        assert harness.event({"type": "any_tested", "email": address}).status == 202
    harness.stack.advance(timedelta(hours=1))
    harness.event({"type": "order_completed", "email": "any-ana@example.com"})
    harness.event(
        {"type": "cart_updated", "email": "any-bo@example.com", "properties": {"value": 10}}
    )  # too small
    harness.event({"type": "cart_updated", "email": "any-bo@example.com", "properties": {"value": 60}})
    harness.event({"type": "order_completed", "email": "any-bo@example.com"})  # after: the run moved on
    harness.stack.advance(timedelta(days=2))
    subjects = {address: [e["subject"] for e in harness.sent_to(address)] for address in people}
    assert subjects == {
        "any-ana@example.com": ["Hello", "Thanks"],
        "any-bo@example.com": ["Hello", "Nudge"],
        "any-cy@example.com": ["Hello", "Bye"],
    }
