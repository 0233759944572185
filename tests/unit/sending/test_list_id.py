"""Every email names its list in ``List-Id`` (RFC 2919): the workflow or broadcast, in the sender's domain."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.header import decode_header, make_header
from email.policy import default as default_policy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.broadcasts.sending import broadcast_send_request
from nurtureflow.contacts.model import contact_id_for
from nurtureflow.sending.list_id import MAX_LIST_ID_LENGTH, list_id, list_id_header
from nurtureflow.sending.message import MessageInvalidError, build_mime
from tests.unit.sending.test_sending_once import EMAIL, World, request

SENDER = "Shop <news@shop.example>"
# RFC 2919: list-id = list-label "." list-id-namespace; we use a subset of dot-atom-text.
_LIST_ID = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


def _header(raw: bytes) -> str:
    return str(message_from_bytes(raw, policy=default_policy)["List-Id"])


def test_a_workflow_email_names_the_workflow_in_the_senders_domain() -> None:
    assert list_id_header("Welcome series", "welcome", SENDER) == (
        '"Welcome series" <welcome.workflow.shop.example>'
    )


def test_a_broadcast_email_names_the_broadcast_apart_from_workflows() -> None:
    assert list_id("broadcast:b_1f2e", SENDER) == "b-1f2e.broadcast.shop.example"
    assert list_id("b-1f2e", SENDER) == "b-1f2e.workflow.shop.example"


def test_labels_keep_only_lower_case_letters_digits_and_single_hyphens() -> None:
    assert list_id("Spring_Sale..2026 ✨!", "x@Shop.Example.") == "spring-sale-2026.workflow.shop.example"
    assert list_id("✨", SENDER) == "list.workflow.shop.example"


def test_an_internationalised_sender_domain_is_written_in_ascii() -> None:
    assert list_id("welcome", "Café <hi@café.example>") == "welcome.workflow.xn--caf-dma.example"


def test_the_list_id_stays_within_rfc_2919s_255_characters() -> None:
    domain = ".".join(["d" * 60] * 3) + ".example"  # 191 characters
    made = list_id("w" * 64, f"x@{domain}")
    assert len(made) <= MAX_LIST_ID_LENGTH
    assert made.endswith(f".workflow.{domain}")


@given(workflow=st.text(max_size=80), name=st.text(max_size=150))
def test_any_workflow_and_name_make_a_one_line_ascii_header_that_reads_back(workflow: str, name: str) -> None:
    header = list_id_header(name, workflow, SENDER)
    made = list_id(workflow, SENDER)

    assert header.isascii()
    assert not set(header) & {"\r", "\n"}
    assert header.endswith(f"<{made}>")
    assert _LIST_ID.match(made)
    assert len(made) <= MAX_LIST_ID_LENGTH
    phrase = header.removesuffix(f"<{made}>").strip()
    assert all(len(word) <= 75 for word in re.findall(r"=\?utf-8\?b\?[^?]*\?=", phrase))


def test_a_non_ascii_name_is_encoded_and_decodes_back() -> None:
    name = "Série de bienvenue — été 2026, pour les nouveaux clients de la boutique"
    header = list_id_header(name, "bienvenue", SENDER)
    phrase = header.removesuffix(" <bienvenue.workflow.shop.example>")
    assert str(make_header(decode_header(phrase))) == name


def test_quotes_and_backslashes_in_a_name_are_escaped() -> None:
    assert list_id_header('The "best" \\ deals', "deals", SENDER) == (
        '"The \\"best\\" \\\\ deals" <deals.workflow.shop.example>'
    )


def _build(**overrides: Any) -> bytes:
    arguments: dict[str, Any] = {
        "sender": SENDER,
        "to": "ana@example.com",
        "subject": "Hello",
        "html": "<p>Hello</p>",
        "text": "Hello",
        "unsubscribe_url": "https://t.shop.example/u/tok",
        "list_id": list_id_header("Welcome series", "welcome", SENDER),
        "headers": {},
    }
    return build_mime(**{**arguments, **overrides})


def test_the_message_carries_list_id_on_one_line() -> None:
    raw = _build()
    assert b'\r\nList-Id: "Welcome series" <welcome.workflow.shop.example>\r\n' in raw
    assert _header(raw) == '"Welcome series" <welcome.workflow.shop.example>'


@pytest.mark.parametrize(
    "value",
    ["welcome.workflow.shop.example", "<a>\r\nBcc: x@evil.example", "Name <>", "Näme <a.b.c>", "<A.B.C>"],
)
def test_a_malformed_list_id_is_refused(value: str) -> None:
    with pytest.raises(MessageInvalidError):
        _build(list_id=value)


def test_an_extra_header_cannot_replace_list_id() -> None:
    with pytest.raises(MessageInvalidError):
        _build(headers={"List-ID": "<other.example>"})


def test_a_workflow_send_carries_the_workflows_list_id() -> None:
    world = World(sender=SENDER)
    world.delivery().send(request(workflow="welcome"))
    [accepted] = world.mailer.accepted
    # No workflow names are known to this delivery: the phrase falls back to the id.
    assert _header(accepted["raw"]) == '"welcome" <welcome.workflow.shop.example>'


def test_a_broadcast_send_carries_the_broadcasts_list_id() -> None:
    world = World(sender=SENDER)
    broadcast = {"id": "b_42", "template": "hello"}
    world.delivery().send(broadcast_send_request(broadcast, contact_id_for(EMAIL)))
    [accepted] = world.mailer.accepted
    assert _header(accepted["raw"]) == '"broadcast:b_42" <b-42.broadcast.shop.example>'
