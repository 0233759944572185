"""SES message tags in SES's alphabet, and the mailto unsubscribe beside the one-click URL."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.sending.headers import message_tags, tag_value, unsubscribe_mailto
from nurtureflow.sending.message import build_mime

URL = "https://t.example.com/u/eyJrIjoidSJ9.k1.AAAA"


@given(st.text(max_size=600))
def test_any_value_becomes_a_tag_ses_accepts(value: str) -> None:
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", tag_value(value))


def test_tag_values_keep_what_is_allowed_and_are_cut_at_256() -> None:
    assert tag_value("cart-recovery_v2") == "cart-recovery_v2"
    assert tag_value("a b/c") == "a_b_c"
    assert tag_value("") == "none"
    assert tag_value("x" * 300) == "x" * 256


def test_message_tags_name_the_four_things() -> None:
    assert message_tags(workflow="w", version=2, step="s.1", contact_id="c_1") == {
        "workflow": "w",
        "version": "2",
        "step": "s_1",
        "contact": "c_1",
    }


def test_the_mailto_carries_the_signed_token_in_its_subject() -> None:
    assert unsubscribe_mailto("Out@Shop.example", URL) == (
        "mailto:out@shop.example?subject=unsubscribe%20eyJrIjoidSJ9.k1.AAAA"
    )


def test_a_mailbox_that_is_not_an_address_is_refused() -> None:
    with pytest.raises(ValueError, match="unsubscribe mailbox"):
        unsubscribe_mailto("not an address\r\nBcc: x@evil.example", URL)


@pytest.mark.parametrize(
    "mailto",
    [
        "mailto:a@b.example\r\nBcc: victim@example.com",
        "mailto:a@b.example>, <https://evil.example/",
        "mailto:a@b.example, https://evil.example/",
        "https://not-a-mailto.example/",
        "mailto:a b@example.com",
    ],
)
def test_a_mailto_that_could_break_the_header_is_refused(mailto: str) -> None:
    with pytest.raises(ValueError, match="mailto"):
        build_mime(
            sender="a@b.example",
            to="c@d.example",
            subject="s",
            html="<p>x</p>",
            text="x",
            unsubscribe_url=URL,
            list_id="<t.workflow.example.com>",
            headers={},
            unsubscribe_mailto=mailto,
        )
