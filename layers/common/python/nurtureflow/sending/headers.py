"""What SES and mailbox providers read beside the message: SES message tags and the mailto unsubscribe."""

from __future__ import annotations

import re
from urllib.parse import quote

from nurtureflow.contacts.model import InvalidEmailError, normalise_email

# SES allows tag names and values of ASCII letters, digits, "_" and "-", up to 256 characters.
_NOT_TAG_CHARACTER = re.compile(r"[^A-Za-z0-9_-]")
MAX_TAG_LENGTH = 256


def tag_value(value: object) -> str:
    """``value`` with every character SES refuses in a tag replaced by ``_``, cut to 256 characters;
    ``none`` when nothing is left (SES refuses an empty value)."""
    cleaned = _NOT_TAG_CHARACTER.sub("_", str(value))[:MAX_TAG_LENGTH]
    return cleaned or "none"


def message_tags(*, workflow: str, version: int, step: str, contact_id: str) -> dict[str, str]:
    """The SES message tags of one send: they come back on every SES event of the message."""
    return {
        "workflow": tag_value(workflow),
        "version": tag_value(version),
        "step": tag_value(step),
        "contact": tag_value(contact_id),
    }


def unsubscribe_mailto(mailbox: str, url: str) -> str:
    """A ``mailto:`` that unsubscribes: its subject carries the one-click URL's signed token, so
    the mail that arrives names the send (and so the contact) without trusting its From."""
    try:
        address = normalise_email(mailbox)
    except InvalidEmailError as error:
        raise ValueError(f"unsubscribe mailbox: {error}") from None
    token = url.rstrip("/").rsplit("/", 1)[-1]
    return f"mailto:{quote(address, safe='@')}?subject={quote('unsubscribe ' + token, safe='')}"
