"""Unsubscribes that arrive by mail: the ``List-Unsubscribe`` mailto, delivered by an SES receipt rule.

The mailto's subject is ``unsubscribe <token>`` with the one-click URL's own signed token
(``sending/headers.py``). The token, never the From address (anyone can forge a From), names the
send and so the contact; it goes through the one-click's unsubscribe (``EmailFeedback``), so both
ways withdraw consent and record the same event, once per send.
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from typing import Literal, Protocol

from aws_lambda_powertools.utilities.parser.models import SesMessage, SesReceipt

from nurtureflow.events.email_feedback import UnsubscribeVia
from nurtureflow.sending.tokens import InvalidTokenError

MailOutcome = Literal["unsubscribed", "unchanged", "no_token", "invalid_token", "spam", "virus"]
# A token as sending/tokens.py writes it: base64url payload, key id, base64url MAC.
_SIGNED = r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+"
# Searched anywhere, in any case: replies and forwards prefix "Re:", "Fwd:", "AW:", "[External]"...
# Leniency costs nothing, the signature decides. "%20" for a client that did not decode the mailto.
_REQUEST = re.compile(rf"\bunsubscribe(?:\s|%20)+(?P<token>{_SIGNED})", re.IGNORECASE)


class Unsubscriber(Protocol):
    def unsubscribe(self, token: str, via: UnsubscribeVia = ...) -> bool: ...


def _decoded(subject: str) -> str:
    """The subject with RFC 2047 encoded words (``=?utf-8?q?…?=``) decoded; as given if it cannot be."""
    if "=?" not in subject:
        return subject
    try:
        return str(make_header(decode_header(subject)))
    except (HeaderParseError, LookupError, UnicodeError):
        return subject


def token_in_subject(subject: str | None) -> str | None:
    """The token of an ``unsubscribe <token>`` subject, or None when the subject carries none."""
    if not subject:
        return None
    found = _REQUEST.search(_decoded(subject))
    return found.group("token") if found else None


def refused_by_scan(receipt: SesReceipt) -> MailOutcome | None:
    """``virus`` or ``spam`` when SES's scan failed the mail, else None.

    Only a FAIL refuses: GRAY (not classified) and PROCESSING_FAILED let it through, as do SPF,
    DKIM and DMARC verdicts, since the signed token, not the sender, is what is trusted.
    """
    if receipt.virusVerdict.status == "FAIL":
        return "virus"
    if receipt.spamVerdict.status == "FAIL":
        return "spam"
    return None


class MailUnsubscribe:
    """One received mail to the unsubscribe mailbox, turned into an unsubscribe or ignored."""

    def __init__(self, unsubscriber: Unsubscriber) -> None:
        self._unsubscriber = unsubscriber

    def handle(self, message: SesMessage) -> MailOutcome:
        """What the mail did; it never raises for a mail that is not a valid request (SES would
        have nobody to tell, and a retry cannot make it valid)."""
        refused = refused_by_scan(message.receipt)
        if refused is not None:
            return refused
        token = token_in_subject(message.mail.commonHeaders.subject)
        if token is None:
            return "no_token"
        try:
            recorded = self._unsubscriber.unsubscribe(token, via="mail")
        except InvalidTokenError:
            return "invalid_token"
        return "unsubscribed" if recorded else "unchanged"
