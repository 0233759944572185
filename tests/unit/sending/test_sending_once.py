"""The send path: at most one email per send id whatever fails where, SES's refusals, consent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from nurtureflow.aws.errors import RetryableError
from nurtureflow.aws.mailer import (
    MessageRejectedError,
    SendingStoppedError,
    SendOutcomeUnknownError,
    SendThrottledError,
)
from nurtureflow.clock import VirtualClock
from nurtureflow.contacts.consent import confirmed_by
from nurtureflow.contacts.model import Contact, contact_id_for
from nurtureflow.costs.prices import load_price_table
from nurtureflow.sending.delivery import Delivery, SendRequest
from nurtureflow.sending.retries import THROTTLE_RETRIES
from nurtureflow.settings import SendingSettings, TrackingSettings
from nurtureflow.simulation.memory import (
    MemoryContacts,
    MemoryEvents,
    MemoryLedger,
    MemorySends,
    MemoryTemplates,
)
from tests.support.faults import CountingMailer, FailingOnce, InjectedFailure

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
EMAIL = "ana@example.com"


class World:
    def __init__(self, **settings: Any) -> None:
        self.contacts, self.events, self.sends = MemoryContacts(), MemoryEvents(), MemorySends()
        self.ledger, self.templates = MemoryLedger(), MemoryTemplates()
        self.templates.put("hello", {"subject": "Hi {{ contact.first_name }}", "html": "<p>Hello</p>"})
        self.mailer = CountingMailer()
        self.sending = SendingSettings(**{"unsubscribe_mailbox": None, **settings})
        contact = Contact(
            id=contact_id_for(EMAIL), email=EMAIL, first_name="Ana", created_at="x", updated_at="x"
        )
        self.contacts.add(contact)

    def delivery(self, **faults: str) -> Delivery:
        """A delivery whose named repositories (``sends="put"``) fail their first such call."""
        repositories: dict[str, Any] = {"sends": self.sends, "events": self.events, "ledger": self.ledger}
        for name, method in faults.items():
            repositories[name] = FailingOnce(repositories[name], method)
        return Delivery(
            contacts=self.contacts,
            templates=self.templates,
            mailer=self.mailer,
            clock=VirtualClock(NOW),
            tracking=TrackingSettings(public_base_url="https://t.shop.example"),
            sending=self.sending,
            prices=load_price_table(),
            **repositories,
        )

    def sent_events(self) -> list[Any]:
        return [e for e in self.events.history(contact_id_for(EMAIL)) if e.type == "email_sent"]


def request(
    attempt: int = 0,
    consent: str | None = None,
    workflow: str = "welcome",
    run: str = "ana-1",
    sender: str | None = None,
) -> SendRequest:
    payload: dict[str, Any] = {
        "step": "hello",
        "template": "hello",
        "execution": f"arn:aws:states:us-east-1:1:execution:m:{run}",
        "entered": "2026-11-23T10:00:00Z",
        "attempt": attempt,
        "run": {"workflow": workflow, "version": 3, "contact_id": contact_id_for(EMAIL), "enrolment": "e1"},
    }
    if consent:
        payload["consent"] = consent
    if sender:
        payload["from"] = sender
    return SendRequest.from_payload(payload)


@pytest.mark.parametrize(("repository", "method"), [("events", "record"), ("ledger", "record")])
def test_a_failure_after_ses_accepted_is_retried_without_a_second_email(repository: str, method: str) -> None:
    world = World()
    with pytest.raises(InjectedFailure):
        world.delivery(**{repository: method}).send(request())
    again = world.delivery().send(request())
    assert again["status"] == "sent"
    assert again["message_id"] == "m-1"
    assert len(world.mailer.accepted) == 1
    assert len(world.sent_events()) == 1  # the retry completed what the first attempt left undone
    assert world.ledger.total().ses > 0


def test_a_failed_sent_record_leaves_the_claim_and_the_retry_records_unconfirmed() -> None:
    world = World()
    with pytest.raises(InjectedFailure):
        world.delivery(sends="put").send(request())
    again = world.delivery().send(request())
    assert (again["status"], again["reason"]) == ("unconfirmed", "outcome_unknown")
    assert len(world.mailer.accepted) == 1
    assert world.sends.get(request().send_id)["status"] == "unconfirmed"  # type: ignore[index]
    assert world.delivery().send(request())["status"] == "unconfirmed"
    assert len(world.mailer.accepted) == 1


def test_a_send_whose_outcome_is_unknown_is_never_sent_again() -> None:
    world = World()
    world.mailer.errors.append(SendOutcomeUnknownError("read timeout"))
    assert world.delivery().send(request())["status"] == "unconfirmed"
    assert world.delivery().send(request())["status"] == "unconfirmed"
    assert world.mailer.accepted == []


def test_a_claim_held_by_a_running_attempt_is_not_sent_again_and_its_outcome_wins() -> None:
    world = World()
    first = request()
    world.sends.claim({"id": first.send_id, "status": "sending", "contact_id": contact_id_for(EMAIL)})
    assert world.delivery().send(first)["status"] == "unconfirmed"
    # The holder finishes after all: its "sent" replaces the marker.
    world.sends.put({"id": first.send_id, "status": "sent", "message_id": "m-9", "contact_id": "c"})
    assert world.sends.get(first.send_id)["status"] == "sent"  # type: ignore[index]
    assert world.sends.settle(first.send_id, "unconfirmed", "outcome_unknown") is False
    assert world.mailer.accepted == []


def test_throttling_releases_the_claim_so_the_state_machines_retry_sends_once() -> None:
    world = World()
    world.mailer.errors.append(SendThrottledError("throttled"))
    with pytest.raises(SendThrottledError):
        world.delivery().send(request(attempt=0))
    assert world.sends.get(request().send_id) is None
    assert world.delivery().send(request(attempt=1))["status"] == "sent"
    assert len(world.mailer.accepted) == 1


@pytest.mark.parametrize("reason", ["throttled", "quota_exceeded"])
def test_throttling_on_the_last_attempt_records_a_failed_send_and_the_run_goes_on(reason: str) -> None:
    world = World()
    world.mailer.errors.append(SendThrottledError(reason))
    outcome = world.delivery().send(request(attempt=THROTTLE_RETRIES))
    assert (outcome["status"], outcome["reason"]) == ("failed", reason)
    record = world.sends.get(request().send_id)
    assert record is not None
    assert (record["status"], record["reason"]) == ("failed", reason)
    assert world.delivery().send(request(attempt=0))["status"] == "failed"  # never retried into a send
    assert world.mailer.accepted == []


@pytest.mark.parametrize(
    ("error", "status", "reason"),
    [
        (
            MessageRejectedError("rejected_by_ses", "Email address is not verified"),
            "rejected",
            "rejected_by_ses",
        ),
        (MessageRejectedError("bad_request", "Message too large"), "rejected", "bad_request"),
        (SendingStoppedError("sending_paused", "paused"), "failed", "sending_paused"),
        (SendingStoppedError("account_suspended", "suspended"), "failed", "account_suspended"),
    ],
)
def test_a_permanent_refusal_is_recorded_with_its_reason_and_not_retried(
    error: Exception, status: str, reason: str
) -> None:
    world = World()
    world.mailer.errors.append(error)
    outcome = world.delivery().send(request())
    assert (outcome["status"], outcome["reason"]) == (status, reason)
    record = world.sends.get(request().send_id)
    assert record is not None
    assert (record["status"], record["reason"]) == (status, reason)
    assert str(error) in record["detail"]
    assert world.delivery().send(request()) == outcome
    assert world.mailer.accepted == []
    assert world.sent_events() == []


def test_any_other_error_before_acceptance_releases_the_claim() -> None:
    world = World()
    world.mailer.errors.append(ConnectionRefusedError("no route"))
    with pytest.raises(ConnectionRefusedError):
        world.delivery().send(request())
    assert world.sends.get(request().send_id) is None
    assert world.delivery().send(request())["status"] == "sent"
    assert len(world.mailer.accepted) == 1


def test_a_claim_released_between_two_reads_asks_for_a_retry() -> None:
    world = World()
    delivery = world.delivery(sends="claim")
    with pytest.raises(InjectedFailure):
        delivery.send(request())
    with pytest.raises(RetryableError):
        world.delivery()._again(request(), None)


def test_tags_name_workflow_version_step_and_contact_in_sess_alphabet() -> None:
    world = World()
    world.delivery().send(request(workflow="spring sale/2026 ✨"))
    [message] = world.mailer.accepted
    assert message["tags"] == {
        "workflow": "spring_sale_2026__",
        "version": "3",
        "step": "hello",
        "contact": contact_id_for(EMAIL),
    }


def test_list_unsubscribe_has_the_https_url_then_a_mailto_carrying_the_token() -> None:
    world = World(unsubscribe_mailbox="Unsubscribe@Shop.example")
    world.delivery().send(request())
    raw = world.mailer.accepted[0]["raw"].decode()
    header = next(line for line in raw.split("\r\n") if line.startswith("List-Unsubscribe:"))
    url, mailto = header.removeprefix("List-Unsubscribe: ").split(", ")
    assert url.startswith("<https://t.shop.example/u/")
    token = url.removesuffix(">").rsplit("/", 1)[1]
    assert mailto == f"<mailto:unsubscribe@shop.example?subject=unsubscribe%20{token}>"
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw


def test_without_a_mailbox_list_unsubscribe_is_the_url_alone() -> None:
    world = World()
    world.delivery().send(request())
    assert b"mailto:" not in world.mailer.accepted[0]["raw"]


def test_double_opt_in_skips_a_contact_without_confirmed_consent() -> None:
    world = World()
    outcome = world.delivery().send(request(consent="double_opt_in"))
    assert (outcome["status"], outcome["reason"]) == ("skipped", "no_consent")
    assert world.sends.get(request().send_id)["reason"] == "no_consent"  # type: ignore[index]
    assert world.mailer.accepted == []


def test_double_opt_in_sends_to_a_confirmed_contact_and_a_plain_workflow_sends_to_anyone() -> None:
    world = World()
    assert world.delivery().send(request())["status"] == "sent"  # no setting: the confirmation mail goes
    consent = confirmed_by("e_1", "consent_confirmed", "2026-11-23T09:00:00Z", {"wording": "Yes, news"})
    world.contacts.apply(contact_id_for(EMAIL), {"consent": consent}, 0, "now")
    other = request(consent="double_opt_in", workflow="newsletter", run="ana-2")
    assert world.delivery().send(other)["status"] == "sent"
    assert len(world.mailer.accepted) == 2


@pytest.mark.parametrize(
    ("template", "sender", "reason"),
    [
        ({"subject": "Hi", "html": "<p>{{ 100 / contact.score }}</p>"}, None, "render_error"),
        ({"subject": "{{ ''.__class__ }}", "html": "<p>x</p>"}, None, "render_error"),
        (None, None, "template_missing"),
        ({"subject": "Hi", "html": "<p>x</p>"}, "Evil\r\nBcc: x@y.z <a@b.c>", "invalid_message"),
    ],
)
def test_an_email_that_cannot_be_built_for_this_contact_is_recorded_failed_and_the_run_goes_on(
    template: dict[str, Any] | None, sender: str | None, reason: str
) -> None:
    world = World()
    if template is None:
        world.templates = MemoryTemplates()
    else:
        world.templates.put("hello", template)
    sent = request(sender=sender)
    for _ in range(2):  # a retry answers the recorded outcome
        outcome = world.delivery().send(sent)
        assert (outcome["status"], outcome["reason"]) == ("failed", reason)
    assert world.mailer.accepted == []
    record = world.sends.get(sent.send_id)
    assert record is not None
    assert (record["status"], record["reason"]) == ("failed", reason)
    assert record["detail"]
