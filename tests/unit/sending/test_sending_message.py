"""MIME messages: both parts, RFC 8058 headers, no header injection, parsed back faithfully."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest

from nurtureflow.sending.message import build_mime, parse_mime

UNSUBSCRIBE = (
    "https://t.example.com/u/" + "eyJrIjoidSIsInMiOiJzXzEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNCJ9.k1." + "A" * 43
)
HEADERS = {
    "X-NurtureFlow-Send": "s_1",
    "X-NurtureFlow-Workflow": "cart-recovery",
    "X-NurtureFlow-Step": "first-reminder",
    "X-NurtureFlow-Contact": "c_1",
}


def build(**overrides: Any) -> bytes:
    arguments: dict[str, Any] = {
        "sender": "NurtureFlow <hello@example.com>",
        "to": "ana@example.com",
        "subject": "Your cart is waiting, Ana ✨",
        "html": "<p>Héllo <a href='https://shop.example/'>shop</a></p>",
        "text": "Héllo shop (https://shop.example/)",
        "unsubscribe_url": UNSUBSCRIBE,
        "list_id": '"Cart recovery" <cart-recovery.workflow.example.com>',
        "headers": HEADERS,
    }
    return build_mime(**{**arguments, **overrides})


def test_message_has_both_rfc_8058_headers_on_single_lines() -> None:
    raw = build()
    assert f"List-Unsubscribe: <{UNSUBSCRIBE}>\r\n".encode() in raw
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw


def test_message_is_multipart_alternative_with_text_then_html() -> None:
    message = message_from_bytes(build(), policy=default)
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]


def test_message_is_seven_bit_clean_and_has_no_message_id() -> None:
    raw = build()
    assert raw.isascii()
    assert b"Message-ID" not in raw
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


def test_extra_headers_are_carried() -> None:
    headers = parse_mime(build())["headers"]
    assert {name: headers[name] for name in HEADERS} == HEADERS


def test_parsing_gives_back_what_was_built() -> None:
    parsed = parse_mime(build())
    assert parsed["to"] == "ana@example.com"
    assert parsed["from"] == "NurtureFlow <hello@example.com>"
    assert parsed["subject"] == "Your cart is waiting, Ana ✨"
    assert parsed["html"] == "<p>Héllo <a href='https://shop.example/'>shop</a></p>"
    assert parsed["text"] == "Héllo shop (https://shop.example/)"
    assert parsed["headers"]["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"


@pytest.mark.parametrize(
    "overrides",
    [
        {"subject": "Hello\r\nBcc: victim@example.com"},
        {"subject": "Hello\nBcc: victim@example.com"},
        {"to": "ana@example.com\r\nBcc: victim@example.com"},
        {"sender": "x@example.com\nReply-To: evil@example.com"},
        {"headers": {**HEADERS, "X-NurtureFlow-Step": "a\rb"}},
    ],
)
def test_header_injection_is_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="line breaks"):
        build(**overrides)


@pytest.mark.parametrize(
    "name", ["Bcc", "cc", "Subject", "List-Unsubscribe", "Content-Type", "Bad Name", "X:Y"]
)
def test_extra_headers_cannot_add_recipients_or_replace_ours(name: str) -> None:
    with pytest.raises(ValueError, match="extra header"):
        build(headers={name: "x"})


@pytest.mark.parametrize(
    "url",
    [
        "mailto:unsubscribe@example.com",
        "https://t.example/u/a b",
        "https://t.example/u/>x",
        "https://é.example/",
    ],
)
def test_unsubscribe_url_must_be_a_plain_http_url(url: str) -> None:
    with pytest.raises(ValueError, match="unsubscribe URL"):
        build(unsubscribe_url=url)


@pytest.mark.parametrize(
    "subject", ["word " * 400, "Ünïcödé " * 150, "x" * 1500], ids=["long ascii", "long unicode", "no spaces"]
)
def test_long_subjects_are_folded_and_come_back_whole(subject: str) -> None:
    raw = build(subject=subject)
    assert raw.isascii()
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert parse_mime(raw)["subject"] == subject


def test_a_non_ascii_display_name_is_encoded_and_the_address_kept() -> None:
    parsed = parse_mime(build(sender="Zoë Ångström <hello@example.com>"))
    assert parsed["from"] == "Zoë Ångström <hello@example.com>"


def test_bodies_come_back_exactly_even_with_long_lines_and_trailing_newlines() -> None:
    html = "<p>" + "ligne très longue " * 40 + "</p>\n\n"
    text = "a=b\n.\nFrom here on, trailing space \n\tend\n"
    parsed = parse_mime(build(html=html, text=text))
    assert parsed["html"] == html
    assert parsed["text"] == text
