"""The raw MIME message SES sends, and the same message parsed back (for the local outbox).

Every message is multipart/alternative (text, then html, both quoted-printable so the whole message
is 7-bit clean) and carries RFC 8058 one-click unsubscribe: ``List-Unsubscribe: <url>`` (then
``<mailto:…>`` when a mailbox is configured) and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``,
and names its list in ``List-Id`` (RFC 2919, see ``list_id.py``). No Message-ID: SES sets its own.

Header injection is impossible by construction: a CR, LF or NUL in any header value or the subject
raises ``ValueError``, and so does an extra header that would replace one this module sets or add a
recipient (Cc, Bcc).
"""

from __future__ import annotations

import binascii
import re
import secrets
from email import message_from_bytes
from email.charset import Charset
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.policy import Compat32
from email.policy import default as default_policy
from email.utils import formataddr, parseaddr
from functools import lru_cache
from typing import Any

# CRLF line ends, as SMTP and SES want. The message is built with the email package's compat32 API:
# its modern API re-parses every header it sets and made building one message take milliseconds.


class MessageInvalidError(ValueError):
    """A message that must not be built: a header with a line break, a bad unsubscribe URI."""


class _Wire(Compat32):
    """CRLF line ends; ASCII header values written as they are. They were checked free of line breaks
    and short enough for one line, and a List-Unsubscribe URL must stay whole. Non-ASCII values are
    ``Header`` objects, which encode (RFC 2047) and fold themselves."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        if isinstance(value, str) and value.isascii():
            return f"{name}: {value}{self.linesep}"
        return str(super()._fold(name, value, sanitize))  # type: ignore[misc]  # private, so not in the stubs


_WIRE = _Wire(linesep="\r\n")
_UTF8 = Charset("utf-8")
_FIELD_NAME = re.compile(r"^[!-9;-~]{1,76}$")  # RFC 5322: printable ASCII except ":"
_URL = re.compile(r"^https?://[!-~]+$", re.IGNORECASE)  # printable ASCII, no spaces
_MAILTO = re.compile(r"^mailto:[!-~]+$")
_LIST_ID = re.compile(r"^(?:[ -~]* )?<[a-z0-9.-]{3,255}>$")  # printable ASCII phrase, then <list-id>
_MAX_URL_LENGTH = 900  # one header line stays under RFC 5322's 998 characters
_RECIPIENTS = frozenset({"to", "cc", "bcc"})
_CONTENT = frozenset({"mime-version", "content-type", "content-transfer-encoding"})
_LISTS = frozenset({"list-id", "list-unsubscribe", "list-unsubscribe-post"})
_SET_HERE = _RECIPIENTS | _CONTENT | _LISTS | {"from", "subject"}


def _refuse_line_breaks(name: str, value: str) -> None:
    if any(c in value for c in "\r\n\0"):
        raise MessageInvalidError(f"the {name} header may not contain line breaks")


def _check_unsubscribe_url(url: str) -> None:
    if not _URL.match(url) or "<" in url or ">" in url or len(url) > _MAX_URL_LENGTH:
        raise MessageInvalidError(
            "the unsubscribe URL must be an http(s) URL of printable ASCII without spaces"
        )


def _check_unsubscribe_mailto(mailto: str) -> None:
    if not _MAILTO.match(mailto) or "<" in mailto or ">" in mailto or "," in mailto:
        raise MessageInvalidError(
            "the unsubscribe mailto must be a mailto: URI of printable ASCII without spaces"
        )


def build_mime(
    *,
    sender: str,
    to: str,
    subject: str,
    html: str,
    text: str,
    unsubscribe_url: str,
    list_id: str,
    headers: dict[str, str],
    unsubscribe_mailto: str | None = None,
) -> bytes:
    """A multipart/alternative RFC 5322 message with RFC 8058 one-click unsubscribe headers and
    ``List-Id`` (``list_id``: the whole header value, as ``list_id.list_id_header`` makes it)."""
    for name, value in (("From", sender), ("To", to), ("Subject", subject), *headers.items()):
        _refuse_line_breaks(name, value)
    if not _LIST_ID.match(list_id) or len(list_id) > _MAX_URL_LENGTH:
        raise MessageInvalidError("the List-Id header must be an ASCII phrase and <list-id> on one line")
    for name in headers:
        if not _FIELD_NAME.match(name) or name.lower() in _SET_HERE:
            raise MessageInvalidError(f"'{name}' cannot be added as an extra header")
    _check_unsubscribe_url(unsubscribe_url)
    unsubscribe = f"<{unsubscribe_url}>"
    if unsubscribe_mailto is not None:
        _check_unsubscribe_mailto(unsubscribe_mailto)
        unsubscribe += f", <{unsubscribe_mailto}>"
    if len(unsubscribe) > _MAX_URL_LENGTH:
        raise MessageInvalidError("the unsubscribe URL and mailto must fit on one header line")
    message = MIMEMultipart("alternative")
    message["From"] = _address(sender)
    message["To"] = to
    message["Subject"] = _header_value("Subject", subject)  # type: ignore[assignment]  # compat32 takes Headers
    # Never folded nor encoded: a mailbox provider reads the value as a URL. The URL is checked to
    # be short, printable ASCII without spaces, so it fits on one line as it is. RFC 8058: the
    # HTTPS URI first; a mailto may follow for clients that only mail.
    message["List-Unsubscribe"] = unsubscribe
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["List-Id"] = list_id
    for name, value in headers.items():
        message[name] = _header_value(name, value)  # type: ignore[assignment]
    for body, subtype in ((text, "plain"), (html, "html")):
        message.attach(_quoted_printable_part(body, subtype))
    # "=" never appears unencoded in a quoted-printable body, so this boundary can't occur in one
    # (and the generator need not compile a regex per message to make sure).
    message.set_boundary(f"==nf_{secrets.token_hex(12)}==")
    return message.as_bytes(policy=_WIRE)


def _quoted_printable_part(body: str, subtype: str) -> Message:
    """A UTF-8 text part, quoted-printable: readable, and the message stays 7-bit clean.

    Encoded by ``binascii`` (C) rather than the email package's pure-Python encoder, which took a
    third of the time of building a message. Line breaks become CRLF, as the wire wants them.
    """
    part = Message()
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    part["Content-Transfer-Encoding"] = "quoted-printable"
    lines = body.replace("\r\n", "\n").split("\n")
    part.set_payload("\r\n".join(binascii.b2a_qp(line.encode(), istext=False).decode() for line in lines))
    return part


def _header_value(name: str, value: str) -> str | Header:
    """Short ASCII as it is; anything else as a Header, which encodes (RFC 2047) and folds it."""
    if value.isascii() and len(name) + len(value) < _MAX_URL_LENGTH:
        return value
    return Header(value, _UTF8, header_name=name)  # encoded words fold anywhere, even without spaces


@lru_cache(maxsize=64)  # a deployment's few senders, parsed once each
def _address(mailbox: str) -> str:
    """A From value with a non-ASCII display name encoded (RFC 2047), the address left as it is."""
    name, address = parseaddr(mailbox)
    return formataddr((name, address), charset="utf-8") if address else mailbox


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_type() != f"text/{subtype}":
        return ""
    return str(part.get_content()).replace("\r\n", "\n")


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
