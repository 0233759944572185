"""A ``wait`` ``until`` a fixed moment holds every contact until then in the local runtime, as
Step Functions' Wait state with a ``Timestamp`` does, and lets a contact arriving later go on at
once (https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html)."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.conftest import MARKETER, SERVER, Harness


def test_contacts_wait_for_the_moment_and_a_late_one_goes_straight_on(harness: Harness) -> None:
    doors = (harness.stack.clock.now() + timedelta(days=2)).replace(microsecond=0)
    workflow = {
        "schema": "workflow/v1",
        "id": "it-wait-until",
        "name": "Doors open",
        "trigger": {"event": "wait_until_tested"},
        "reentry": {"policy": "always"},
        "start": "doors",
        "steps": {
            # Written with an offset: the same instant as doors in UTC.
            "doors": {"type": "wait", "until": doors.astimezone().isoformat(), "next": "hello"},
            "hello": {"type": "email", "template": "it-wait-until"},
        },
    }
    assert harness.http("PUT", "/admin/templates/it-wait-until", {"subject": "Open", "html": "<p>Hi</p>"},
                        token=MARKETER).status in (200, 201)  # fmt: skip
    assert harness.http("PUT", "/admin/workflows/it-wait-until", workflow, token=MARKETER).status == 201
    assert harness.http("POST", "/admin/workflows/it-wait-until/activate", token=MARKETER).status == 200
    event = {"type": "wait_until_tested", "email": "wu-ana@example.com"}
    assert harness.http("POST", "/v1/events", event, token=SERVER).status == 202
    harness.stack.advance(timedelta(days=2) - timedelta(minutes=1))
    assert harness.sent_to("wu-ana@example.com") == []
    harness.stack.advance(timedelta(minutes=2))
    assert [e["subject"] for e in harness.sent_to("wu-ana@example.com")] == ["Open"]
    # A contact arriving after the moment goes straight on.
    late = {"type": "wait_until_tested", "email": "wu-bo@example.com"}
    assert harness.http("POST", "/v1/events", late, token=SERVER).status == 202
    assert [e["subject"] for e in harness.sent_to("wu-bo@example.com")] == ["Open"]
