"""The List-Unsubscribe mailto: the token found in the subject, SES's scan verdicts, and the
unsubscribe itself (the one-click's), once per send."""

from __future__ import annotations

import copy
from base64 import b64encode
from datetime import UTC, datetime, timedelta
from email.header import Header
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import SesMessage, SesModel
from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.clock import VirtualClock
from nurtureflow.contacts.model import Contact, contact_id_for
from nurtureflow.costs.prices import load_price_table
from nurtureflow.events.email_feedback import EmailFeedback, UnsubscribeVia
from nurtureflow.events.mail_unsubscribe import MailUnsubscribe, token_in_subject
from nurtureflow.events.model import TrackedEvent
from nurtureflow.sending.tokens import InvalidTokenError, sign
from nurtureflow.settings import TrackingSettings
from nurtureflow.simulation.memory import MemoryContacts, MemoryEvents, MemoryLedger, MemorySends
from tests.support.faults import FailingOnce

KEYS = {"k1": "secret-one", "k2": "secret-two"}
TOKEN = sign({"k": "u", "s": "s_0123456789abcdef"}, KEYS, "k1")
NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
EMAIL = "ana@example.com"

# AWS's documented example of a receipt rule's Lambda action event (SES developer guide, "Event
# records provided by the Lambda action"), shortened to the headers that matter here.
SES_EVENT: dict[str, Any] = {
    "Records": [
        {
            "eventSource": "aws:ses",
            "eventVersion": "1.0",
            "ses": {
                "mail": {
                    "timestamp": "2019-08-05T21:30:02.028Z",
                    "source": "prvs=144d0cba7=sender@example.com",
                    "messageId": "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000",
                    "destination": ["recipient@example.com"],
                    "headersTruncated": False,
                    "headers": [
                        {"name": "X-SES-Spam-Verdict", "value": "PASS"},
                        {"name": "Subject", "value": "This is a test"},
                    ],
                    "commonHeaders": {
                        "returnPath": "prvs=144d0cba7=sender@example.com",
                        "from": ['"Doe, John" <sender@example.com>'],
                        "date": "Mon, 5 Aug 2019 21:29:57 +0000",
                        "to": ['"recipient@example.com" <recipient@example.com>'],
                        "messageId": "<F8098FDD-49A3-442D-9935-F6112B195BDA@example.com>",
                        "subject": "This is a test",
                    },
                },
                "receipt": {
                    "timestamp": "2019-08-05T21:30:02.028Z",
                    "processingTimeMillis": 1205,
                    "recipients": ["recipient@example.com"],
                    "spamVerdict": {"status": "PASS"},
                    "virusVerdict": {"status": "PASS"},
                    "spfVerdict": {"status": "PASS"},
                    "dkimVerdict": {"status": "PASS"},
                    "dmarcVerdict": {"status": "GRAY"},
                    "action": {
                        "type": "Lambda",
                        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:IncomingEmail",
                        "invocationType": "Event",
                    },
                },
            },
        }
    ]
}


def received(subject: str, **verdicts: str) -> SesMessage:
    """The parsed SES message of a mail with ``subject`` and scan verdicts (``spam="FAIL"``)."""
    event = copy.deepcopy(SES_EVENT)
    ses = event["Records"][0]["ses"]
    ses["mail"]["commonHeaders"]["subject"] = subject
    for name, status in verdicts.items():
        ses["receipt"][f"{name}Verdict"] = {"status": status}
    return SesModel.model_validate(event).Records[0].ses


# --- the subject ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "subject",
    [
        f"unsubscribe {TOKEN}",
        f"Re: unsubscribe {TOKEN}",
        f"Fwd: RE: AW: Unsubscribe {TOKEN}",
        f"[External] UNSUBSCRIBE\t {TOKEN}  ",
        f"unsubscribe\r\n {TOKEN}",  # a folded header line
        f"unsubscribe%20{TOKEN}",  # a client that kept the mailto's encoding
        Header(f"unsubscribe {TOKEN}", "iso-8859-1").encode(),  # folded quoted-printable words
        f"=?UTF-8?B?{b64encode(f'Re: unsubscribe {TOKEN}'.encode()).decode()}?=",  # base64
        f"unsubscribe {TOKEN}.",
    ],
    ids=[
        "plain",
        "reply",
        "forwards",
        "case-and-spaces",
        "folded",
        "percent",
        "rfc2047-q",
        "rfc2047-b",
        "dot",
    ],
)
def test_the_token_is_found_whatever_replies_forwards_and_encodings_did_to_the_subject(subject: str) -> None:
    assert token_in_subject(subject) == TOKEN


@pytest.mark.parametrize(
    "subject",
    [
        None,
        "",
        "unsubscribe",
        "unsubscribe me please",
        f"Hello {TOKEN}",
        f"pleaseunsubscribe {TOKEN}",
        "=?bad?=",
    ],
)
def test_a_subject_without_an_unsubscribe_token_has_none(subject: str | None) -> None:
    assert token_in_subject(subject) is None


@given(
    send_id=st.text(min_size=1, max_size=60),
    key_id=st.sampled_from(sorted(KEYS)),
    prefix=st.sampled_from(["", "Re: ", "RE: Fwd: ", "[ext] "]),
    word=st.sampled_from(["unsubscribe", "Unsubscribe", "UNSUBSCRIBE"]),
    space=st.sampled_from([" ", "  ", "\t", "\r\n "]),
)
def test_every_signed_token_comes_back_out_of_its_mailto_subject(
    send_id: str, key_id: str, prefix: str, word: str, space: str
) -> None:
    token = sign({"k": "u", "s": send_id}, KEYS, key_id)
    assert token_in_subject(f"{prefix}{word}{space}{token}") == token


# --- the mail ------------------------------------------------------------------------------------


class FakeUnsubscriber:
    """Knows one token; records each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.done: set[str] = set()

    def unsubscribe(self, token: str, via: UnsubscribeVia = "one_click") -> bool:
        if token != TOKEN:
            raise InvalidTokenError("forged")
        self.calls.append((token, via))
        first = token not in self.done
        self.done.add(token)
        return first


def test_a_valid_mail_unsubscribes_by_mail_and_a_second_changes_nothing() -> None:
    fake = FakeUnsubscriber()
    mail = MailUnsubscribe(fake)
    assert mail.handle(received(f"Re: unsubscribe {TOKEN}")) == "unsubscribed"
    assert mail.handle(received(f"unsubscribe {TOKEN}")) == "unchanged"
    assert fake.calls == [(TOKEN, "mail"), (TOKEN, "mail")]


@pytest.mark.parametrize(
    ("verdicts", "outcome"),
    [({"virus": "FAIL"}, "virus"), ({"spam": "FAIL"}, "spam"), ({"spam": "FAIL", "virus": "FAIL"}, "virus")],
)
def test_a_mail_the_scan_failed_does_nothing(verdicts: dict[str, str], outcome: str) -> None:
    fake = FakeUnsubscriber()
    assert MailUnsubscribe(fake).handle(received(f"unsubscribe {TOKEN}", **verdicts)) == outcome
    assert fake.calls == []


@pytest.mark.parametrize(
    "verdicts",
    [
        {"spam": "GRAY", "virus": "GRAY"},
        {"spam": "PROCESSING_FAILED"},
        {"spf": "FAIL", "dmarc": "FAIL"},  # the token is trusted, not the sender
    ],
)
def test_unclassified_scans_and_failed_sender_checks_still_unsubscribe(verdicts: dict[str, str]) -> None:
    assert MailUnsubscribe(FakeUnsubscriber()).handle(received(f"unsubscribe {TOKEN}", **verdicts)) == (
        "unsubscribed"
    )


def test_a_forged_token_or_no_token_does_nothing() -> None:
    fake = FakeUnsubscriber()
    forged = sign({"k": "u", "s": "s_0123456789abcdef"}, {"k1": "not-our-key"}, "k1")
    assert MailUnsubscribe(fake).handle(received(f"unsubscribe {forged}")) == "invalid_token"
    assert MailUnsubscribe(fake).handle(received("Please take me off your list")) == "no_token"
    assert fake.calls == []


# --- the unsubscribe, shared with the one-click --------------------------------------------------


class NullBus:
    def __init__(self) -> None:
        self.published: list[TrackedEvent] = []

    def publish(self, events: list[TrackedEvent]) -> None:
        self.published.extend(events)


class World:
    def __init__(self) -> None:
        self.contacts, self.events, self.sends = MemoryContacts(), MemoryEvents(), MemorySends()
        self.ledger, self.bus, self.clock = MemoryLedger(), NullBus(), VirtualClock(NOW)
        self.contact_id = contact_id_for(EMAIL)
        self.contacts.add(Contact(id=self.contact_id, email=EMAIL, created_at="x", updated_at="x"))
        for send_id in ("s_one", "s_two"):
            send = {"id": send_id, "contact_id": self.contact_id, "workflow": "welcome", "step": "hello"}
            self.sends.put(send)
        self.tracking = TrackingSettings(link_keys=KEYS, link_key_id="k1")

    def feedback(self, events: Any = None) -> EmailFeedback:
        return EmailFeedback(
            sends=self.sends,
            contacts=self.contacts,
            events=events or self.events,
            bus=self.bus,
            ledger=self.ledger,
            clock=self.clock,
            tracking=self.tracking,
            prices=load_price_table(),
        )

    def token(self, send_id: str = "s_one") -> str:
        return sign({"k": "u", "s": send_id}, KEYS, "k1")

    def unsubscribed_events(self) -> list[TrackedEvent]:
        return [e for e in self.events.history(self.contact_id) if e.type == "unsubscribed"]


def test_an_unsubscribe_by_mail_withdraws_consent_and_records_one_event_saying_so() -> None:
    world = World()
    assert world.feedback().unsubscribe(world.token(), via="mail") is True
    contact = world.contacts.get(world.contact_id)
    assert contact is not None
    assert contact.unsubscribed
    [event] = world.unsubscribed_events()
    assert event.properties == {"via": "mail"}
    assert contact.consent is not None
    assert (contact.consent.status, contact.consent.source) == ("withdrawn", "list_unsubscribe_mailto")
    assert contact.consent.event_id == event.id
    assert world.bus.published == [event]


def test_the_same_token_again_by_mail_or_one_click_changes_nothing() -> None:
    world = World()
    world.feedback().unsubscribe(world.token(), via="mail")
    before = world.contacts.get(world.contact_id)
    world.clock.set(NOW + timedelta(hours=1))
    assert world.feedback().unsubscribe(world.token(), via="mail") is False
    assert world.feedback().unsubscribe(world.token(), via="one_click") is False
    assert world.contacts.get(world.contact_id) == before
    assert len(world.unsubscribed_events()) == 1
    assert len(world.bus.published) == 1


def test_a_second_email_s_token_records_its_own_event_but_keeps_the_first_withdrawal() -> None:
    world = World()
    world.feedback().unsubscribe(world.token("s_one"), via="one_click")
    first = world.contacts.get(world.contact_id)
    world.clock.set(NOW + timedelta(days=1))
    assert world.feedback().unsubscribe(world.token("s_two"), via="mail") is True
    assert world.contacts.get(world.contact_id) == first
    assert [e.send_id for e in world.unsubscribed_events()] == ["s_one", "s_two"]


def test_a_retry_after_the_event_failed_to_record_still_records_it_once() -> None:
    world = World()
    failing = FailingOnce(world.events, "record")
    with pytest.raises(Exception, match="record failed"):
        world.feedback(events=failing).unsubscribe(world.token(), via="mail")
    contact = world.contacts.get(world.contact_id)
    assert contact is not None
    assert contact.unsubscribed
    assert world.feedback(events=failing).unsubscribe(world.token(), via="mail") is True
    [event] = world.unsubscribed_events()
    assert contact.consent is not None
    assert contact.consent.event_id == event.id


def test_a_forged_token_changes_nothing() -> None:
    world = World()
    forged = sign({"k": "u", "s": "s_one"}, {"k1": "guessed"}, "k1")
    with pytest.raises(InvalidTokenError):
        world.feedback().unsubscribe(forged, via="mail")
    contact = world.contacts.get(world.contact_id)
    assert contact is not None
    assert not contact.unsubscribed
    assert world.unsubscribed_events() == []
