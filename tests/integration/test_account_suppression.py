"""SES's account-level suppression list: SES accepts the send, drops it, and answers with a permanent
bounce of subtype OnAccountSuppressionList; our suppression mirrors it so no later email is sent."""

from __future__ import annotations

from typing import Any

from nurtureflow import wiring
from nurtureflow.contacts.model import contact_id_for
from tests.integration.conftest import MARKETER, Harness


def _send(harness: Harness, email: str, execution: str) -> dict[str, Any]:
    harness.http(
        "PUT", "/admin/templates/it-acct", {"subject": "News", "html": "<p>News</p>"}, token=MARKETER
    )
    harness.event({"type": "page_viewed", "email": email})
    run = {"workflow": "it-acct", "version": 1, "contact_id": contact_id_for(email), "enrolment": "e"}
    payload = {
        "action": "email",
        "step": "news",
        "template": "it-acct",
        "entered": "2026-11-23T10:00:00Z",
        "execution": execution,
        "run": run,
    }
    return harness.stack.lambdas.invoke("send", payload)  # type: ignore[no-any-return]


def test_an_address_on_the_ses_account_suppression_list_is_suppressed_here_after_its_first_send(
    harness: Harness,
) -> None:
    email = "listed@example.com"
    sent = _send(harness, email, "arn:aws:states:us-east-1:1:execution:m:listed-1")
    assert sent["status"] == "sent"
    mail = {"messageId": "ses-listed", "headers": [{"name": "X-NurtureFlow-Send", "value": sent["send_id"]}]}
    bounce = {
        "version": "0",
        "source": "aws.ses",
        "detail-type": "Email Bounce",
        "detail": {
            "eventType": "Bounce",
            "mail": mail,
            "bounce": {"bounceType": "Permanent", "bounceSubType": "OnAccountSuppressionList"},
        },
    }
    assert harness.stack.lambdas.invoke("track", bounce) == {"recorded": "email_bounced"}
    contact = wiring.contacts().get(contact_id_for(email))
    assert contact is not None
    assert contact.suppressed is True
    stored = wiring.contacts()._table.get_item(Key={"pk": contact.id})["Item"]
    assert stored["suppressed_reason"] == "ses_account_suppression"
    later = _send(harness, email, "arn:aws:states:us-east-1:1:execution:m:listed-2")
    assert (later["status"], later["reason"]) == ("skipped", "suppressed")
    assert len(harness.sent_to(email)) == 1
