"""The send, trigger and step handlers against moto: once-only sends, once-only enrolment,
consent honoured, branches on live data."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import MARKETER, Harness

TEMPLATE = {
    "subject": "Hi {{ contact.first_name }}",
    "html": '<p><a href="https://shop.example/">shop</a> <a href="{{ unsubscribe_url }}">unsubscribe</a></p>',
}


def _contact(harness: Harness, email: str, **traits: Any) -> str:
    assert harness.event({"type": "page_viewed", "email": email, "traits": traits}).status == 202
    return contact_id_for(email)


def _send_payload(contact_id: str, execution: str) -> dict[str, Any]:
    return {
        "action": "email",
        "step": "hello",
        "template": "it-run-hello",
        "entered": "2026-11-23T10:00:00Z",
        "execution": execution,
        "run": {"workflow": "it-run", "version": 1, "contact_id": contact_id, "event": {}, "enrolment": "e1"},
    }


def test_a_retried_send_sends_one_email(harness: Harness) -> None:
    harness.http("PUT", "/admin/templates/it-run-hello", TEMPLATE, token=MARKETER)
    contact_id = _contact(harness, "ivy@example.com", first_name="Ivy")
    payload = _send_payload(contact_id, "arn:aws:states:us-east-1:123456789012:execution:m:ivy-1")
    first = harness.stack.lambdas.invoke("send", payload)
    again = harness.stack.lambdas.invoke("send", payload)
    assert first["status"] == "sent"
    assert again == first
    [email] = harness.sent_to("ivy@example.com")
    assert email["subject"] == "Hi Ivy"


def test_one_click_unsubscribe_is_a_post_and_later_emails_are_skipped(harness: Harness) -> None:
    harness.http("PUT", "/admin/templates/it-run-hello", TEMPLATE, token=MARKETER)
    contact_id = _contact(harness, "jon@example.com")
    harness.stack.lambdas.invoke(
        "send", _send_payload(contact_id, "arn:aws:states:us-east-1:1:execution:m:jon-1")
    )
    [email] = harness.sent_to("jon@example.com")
    unsubscribe = re.search(r"<(http://[^>]+/u/[^>]+)>", email["headers"]["List-Unsubscribe"])
    assert unsubscribe is not None
    page = harness.http("GET", unsubscribe.group(1))
    assert page.status == 200
    assert b"<form method=post>" in page.body
    assert wiring.contacts().get(contact_id).unsubscribed is False  # type: ignore[union-attr]
    assert harness.http("POST", unsubscribe.group(1), b"nothing").status == 400
    done = harness.http(
        "POST",
        unsubscribe.group(1),
        b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status == 200
    assert wiring.contacts().get(contact_id).unsubscribed is True  # type: ignore[union-attr]
    later = harness.stack.lambdas.invoke(
        "send", _send_payload(contact_id, "arn:aws:states:us-east-1:1:execution:m:jon-2")
    )
    assert (later["status"], later["reason"]) == ("skipped", "unsubscribed")
    assert len(harness.sent_to("jon@example.com")) == 1


def _activate_welcome(harness: Harness) -> None:
    harness.http("PUT", "/admin/templates/it-run-hello", TEMPLATE, token=MARKETER)
    workflow = {
        "schema": "workflow/v1",
        "id": "it-run-welcome",
        "name": "Welcome",
        "trigger": {"event": "consent_confirmed"},
        "start": "pause",
        "steps": {
            "pause": {"type": "wait", "for": "PT5M", "next": "hello"},
            "hello": {"type": "email", "template": "it-run-hello"},
        },
    }
    assert harness.http("PUT", "/admin/workflows/it-run-welcome", workflow, token=MARKETER).status in (
        200,
        201,
    )
    harness.http("POST", "/admin/workflows/it-run-welcome/activate", token=MARKETER)


def test_a_redelivered_event_enrols_once(harness: Harness) -> None:
    _activate_welcome(harness)
    event = {"id": "consent-kim", "type": "consent_confirmed", "email": "kim@example.com"}
    assert harness.event(event).status == 202
    assert harness.event(event).status == 202  # the website retried
    harness.stack.advance(timedelta(minutes=10))
    assert len(harness.sent_to("kim@example.com")) == 1
    run = wiring.runs().get(contact_id_for("kim@example.com"), "it-run-welcome")
    assert run is not None
    assert run["status"] == "completed"


def test_branch_reads_the_contacts_live_score(harness: Harness) -> None:
    contact_id = _contact(harness, "lea@example.com")
    run = {"workflow": "w", "version": 1, "contact_id": contact_id, "event": {}, "enrolment": "e"}
    cases = [{"when": {"field": "contact.score", "op": "gte", "value": 50}, "next": "hot"}]
    branch = {
        "action": "branch",
        "step": "b",
        "cases": cases,
        "default": "cold",
        "run": run,
        "execution": "x",
    }
    assert harness.stack.lambdas.invoke("step", branch) == {"next": "cold"}
    harness.stack.lambdas.invoke(
        "step", {"action": "update", "step": "u", "changes": {"score": 60}, "run": run, "execution": "x"}
    )
    assert harness.stack.lambdas.invoke("step", branch) == {"next": "hot"}


def _capped_payload(contact_id: str, n: int, **extra: Any) -> dict[str, Any]:
    payload = _send_payload(contact_id, f"arn:aws:states:us-east-1:1:execution:m:cap-{contact_id}-{n}")
    return {**payload, "cap": {"per_day": 2, "timezone": "UTC"}, **extra}


def test_the_daily_cap_skips_the_third_email_of_the_day_and_not_the_next_days(harness: Harness) -> None:
    harness.http("PUT", "/admin/templates/it-run-hello", TEMPLATE, token=MARKETER)
    contact_id = _contact(harness, "rex@example.com")
    results = [harness.stack.lambdas.invoke("send", _capped_payload(contact_id, n)) for n in range(3)]
    assert [r["status"] for r in results] == ["sent", "sent", "skipped"]
    assert results[2]["reason"] == "capped"
    harness.stack.advance(timedelta(days=1))
    assert harness.stack.lambdas.invoke("send", _capped_payload(contact_id, 3))["status"] == "sent"
    assert len(harness.sent_to("rex@example.com")) == 3


def test_a_sender_the_role_may_not_use_is_recorded_and_the_run_goes_on(harness: Harness) -> None:
    """The send function's role may send from the stack's sender domain only: IAM refuses another
    From before SES sees it (AccessDeniedException), and that refusal is for good, not retried."""
    harness.http("PUT", "/admin/templates/it-run-hello", TEMPLATE, token=MARKETER)
    contact_id = _contact(harness, "sam@example.com")
    payload = {
        **_send_payload(contact_id, "arn:aws:states:us-east-1:1:execution:m:sam-1"),
        "from": "someone@unverified.example",
    }
    result = harness.stack.lambdas.invoke("send", payload)
    assert (result["status"], result["reason"]) == ("rejected", "sender_not_authorised")
    assert harness.sent_to("sam@example.com") == []


def test_split_is_stable_per_contact_and_near_its_percents(harness: Harness) -> None:
    paths = [{"percent": 20, "next": "a"}, {"percent": 80, "next": "b"}]

    def path_of(contact_id: str) -> str:
        run = {"workflow": "w", "version": 1, "contact_id": contact_id, "event": {}, "enrolment": "e"}
        payload = {"action": "split", "step": "ab", "paths": paths, "run": run, "execution": "x"}
        return harness.stack.lambdas.invoke("step", payload)["next"]  # type: ignore[no-any-return]

    contact_id = _contact(harness, "tia@example.com")
    assert len({path_of(contact_id) for _ in range(5)}) == 1
    # The bucket only hashes the id, so ids need no stored contact here.
    picks = [path_of(f"c_{n:024x}") for n in range(400)]
    assert 0.12 < picks.count("a") / 400 < 0.28


def test_a_task_step_creates_one_rendered_task_per_visit(harness: Harness) -> None:
    contact_id = _contact(harness, "val@example.com", first_name="Val")
    run = {
        "workflow": "it-drip",
        "version": 1,
        "contact_id": contact_id,
        "event": {
            "id": "e",
            "type": "form_submitted",
            "occurred_at": "2026-11-23T10:00:00+00:00",
            "received_at": "2026-11-23T10:00:00+00:00",
            "properties": {"plan": "pro"},
        },
        "enrolment": "e",
    }
    payload = {
        "action": "task",
        "step": "call",
        "run": run,
        "execution": "arn:x:val",
        "entered": "t1",
        "task": {
            "title": "Call {{ contact.first_name }} about {{ event.plan }}",
            "due": "P1D",
            "assignee": "sales@shop.example",
            "notes": "Interested in <pro>",
        },
    }
    first = harness.stack.lambdas.invoke("step", payload)
    assert harness.stack.lambdas.invoke("step", payload) == first  # a retry
    [task] = [e for e in wiring.events().history(contact_id) if e.type == "task_created"]
    assert task.properties["title"] == "Call Val about pro"
    assert task.properties["notes"] == "Interested in <pro>"
    assert task.properties["assignee"] == "sales@shop.example"
    assert task.step == "call"
