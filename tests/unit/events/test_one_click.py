"""RFC 8058 one-click bodies: multipart/form-data (the RFC's preferred form) and urlencoded."""

from __future__ import annotations

import pytest

from nurtureflow.events.one_click import is_one_click

# RFC 8058 section 8.1's own example.
RFC_BOUNDARY = "-FormBoundaryjWmhtjORrn"
RFC_BODY = (
    b"---FormBoundaryjWmhtjORrn\r\n"
    b'Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
    b"One-Click\r\n"
    b"---FormBoundaryjWmhtjORrn--\r\n"
)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"List-Unsubscribe=One-Click"),
        ("application/x-www-form-urlencoded; charset=utf-8", b"x=1&List-Unsubscribe=One-Click"),
        (None, b"List-Unsubscribe=One-Click"),  # some senders omit the type
        (f"multipart/form-data; boundary={RFC_BOUNDARY}", RFC_BODY),
        (
            'multipart/form-data; boundary="b1"',
            b'--b1\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n'
            b'--b1\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b1--\r\n',
        ),
    ],
)
def test_both_encodings_of_the_one_click_body_are_understood(content_type: str | None, body: bytes) -> None:
    assert is_one_click(content_type, body)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b""),
        ("application/x-www-form-urlencoded", b"List-Unsubscribe=Two-Clicks"),
        ("application/x-www-form-urlencoded", b"xList-Unsubscribe=One-Clickx"),
        (
            "multipart/form-data; boundary=b1",
            b'--b1\r\nContent-Disposition: form-data; name="a"\r\n\r\nOne-Click\r\n--b1--',
        ),
        ("multipart/form-data", RFC_BODY),  # no boundary: nothing can be read
        ("multipart/form-data; boundary=b1", b"\xff\xfe garbage"),
        ("application/json", b'{"List-Unsubscribe": "One-Click"}'),
    ],
)
def test_anything_else_is_not_a_one_click_request(content_type: str | None, body: bytes) -> None:
    assert not is_one_click(content_type, body)
