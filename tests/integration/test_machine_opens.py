"""Opens by mail proxies and scanners are recorded as machine opens, and engagement ignores them."""

from __future__ import annotations

import re
from datetime import timedelta

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from nurtureflow.runs.history import RunHistory
from tests.integration.conftest import MARKETER, Harness

BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
GMAIL_PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
EXECUTION = "arn:aws:states:us-east-1:1:execution:m:pim-1"


def _send(harness: Harness, email: str) -> tuple[str, str]:
    """Send one email to a new contact; its send id and the URL of its open pixel."""
    harness.http("PUT", "/admin/templates/it-open", {"subject": "Hi", "html": "<p>hello</p>"}, token=MARKETER)
    assert harness.event({"type": "page_viewed", "email": email}).status == 202
    contact_id = contact_id_for(email)
    payload = {
        "action": "email",
        "step": "hello",
        "template": "it-open",
        "entered": "2026-11-23T10:00:00Z",
        "execution": EXECUTION,
        "run": {
            "workflow": "it-open",
            "version": 1,
            "contact_id": contact_id,
            "event": {},
            "enrolment": "e1",
        },
    }
    result = harness.stack.lambdas.invoke("send", payload)
    [sent] = harness.sent_to(email)
    pixel = re.search(r"(https?://[^\"']+/t/o/[^\"']+)", sent["html"])
    assert pixel is not None
    return result["send_id"], pixel.group(1)


def _opens(contact_id: str) -> list[dict[str, object]]:
    return [e.properties for e in wiring.events().history(contact_id) if e.type == "email_opened"]


def test_opens_too_soon_or_through_apple_mpp_are_machine_opens_and_gmail_readers_count(
    harness: Harness,
) -> None:
    send_id, pixel = _send(harness, "pim@example.com")
    contact_id = contact_id_for("pim@example.com")
    history = RunHistory(wiring.events(), wiring.sends(), contact_id, EXECUTION)

    assert harness.http("GET", pixel, headers={"User-Agent": BROWSER}).status == 200  # at delivery: a scanner
    harness.stack.advance(timedelta(minutes=5))
    assert harness.http("GET", pixel, headers={"User-Agent": "Mozilla/5.0"}).status == 200  # Apple MPP
    assert _opens(contact_id) == [
        {"machine": True, "machine_reason": reason} for reason in ("too_soon", "apple_mpp")
    ]
    send = wiring.sends().get(send_id)
    assert send is not None
    assert "opened_at" not in send
    assert "machine_opened_at" in send
    assert history.engaged("hello", "opened") is False

    harness.stack.advance(timedelta(minutes=1))
    # A Gmail reader: Google's proxy fetches the pixel as the person opens the message.
    assert harness.http("GET", pixel, headers={"User-Agent": GMAIL_PROXY}).status == 200
    assert _opens(contact_id)[-1] == {}
    assert "opened_at" in (wiring.sends().get(send_id) or {})
    assert (
        RunHistory(wiring.events(), wiring.sends(), contact_id, EXECUTION).engaged("hello", "opened") is True
    )
