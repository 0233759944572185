"""The raw MIME message SES sends, and the same message parsed back (for the local outbox).

Every message is multipart/alternative (text, then html, both quoted-printable so the whole message
is 7-bit clean) and carries RFC 8058 one-click unsubscribe: ``List-Unsubscribe: <url>`` and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``. No Message-ID: SES sets its own.

Header injection is impossible by construction: a CR, LF or NUL in any header value or the subject
raises ``ValueError``, and so does an extra header that would replace one this module sets or add a
recipient (Cc, Bcc).
"""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP
from email.policy import default as default_policy
from typing import Any

# "none": the List-Unsubscribe value is stored raw (see below) and must reach the wire as it is.
_POLICY = SMTP.clone(refold_source="none")
_FIELD_NAME = re.compile(r"^[!-9;-~]{1,76}$")  # RFC 5322: printable ASCII except ":"
_URL = re.compile(r"^https?://[!-~]+$", re.IGNORECASE)  # printable ASCII, no spaces
_MAX_URL_LENGTH = 900  # one header line stays under RFC 5322's 998 characters
_RECIPIENTS = frozenset({"to", "cc", "bcc"})
_CONTENT = frozenset({"mime-version", "content-type", "content-transfer-encoding"})
_SET_HERE = _RECIPIENTS | _CONTENT | {"from", "subject", "list-unsubscribe", "list-unsubscribe-post"}


def _refuse_line_breaks(name: str, value: str) -> None:
    if any(c in value for c in "\r\n\0"):
        raise ValueError(f"the {name} header may not contain line breaks")


def _check_unsubscribe_url(url: str) -> None:
    if not _URL.match(url) or "<" in url or ">" in url or len(url) > _MAX_URL_LENGTH:
        raise ValueError("the unsubscribe URL must be an http(s) URL of printable ASCII without spaces")


def build_mime(
    *,
    sender: str,
    to: str,
    subject: str,
    html: str,
    text: str,
    unsubscribe_url: str,
    headers: dict[str, str],
) -> bytes:
    """A multipart/alternative RFC 5322 message with RFC 8058 one-click unsubscribe headers."""
    for name, value in (("From", sender), ("To", to), ("Subject", subject), *headers.items()):
        _refuse_line_breaks(name, value)
    for name in headers:
        if not _FIELD_NAME.match(name) or name.lower() in _SET_HERE:
            raise ValueError(f"'{name}' cannot be added as an extra header")
    _check_unsubscribe_url(unsubscribe_url)
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    # Stored raw: the policy would fold a long URL into RFC 2047 encoded words, which no mailbox
    # provider reads as a URL. The URL is checked to be short, printable ASCII without spaces.
    message.set_raw("List-Unsubscribe", f"<{unsubscribe_url}>")
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in headers.items():
        message[name] = value
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message.as_bytes()


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_type() != f"text/{subtype}":
        return ""
    content = str(part.get_content()).replace("\r\n", "\n")
    # set_content ends every part with a newline of its own: give back what was put in.
    return content[:-1] if content.endswith("\n") else content


def parse_mime(raw: bytes) -> dict[str, Any]:
    """``{"to", "from", "subject", "html", "text", "headers": {name: value}}`` of a raw message."""
    message = message_from_bytes(raw, policy=default_policy)
    return {
        "to": str(message.get("To", "")),
        "from": str(message.get("From", "")),
        "subject": str(message.get("Subject", "")),
        "html": _body(message, "html"),
        "text": _body(message, "plain"),
        "headers": {name: str(value) for name, value in message.items()},
    }
