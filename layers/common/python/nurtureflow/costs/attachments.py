"""The attachment bytes of a raw MIME message: what SES bills by the GB beside each recipient.

Counted as SES counts a file, by its decoded size: every leaf part that is not one of the message's
text or HTML bodies (a part marked ``attachment``, an inline image, any non-text part). A message
with none (every message NurtureFlow builds today: multipart/alternative, text and HTML) costs
nothing here, and is recognised without parsing it.
"""

from __future__ import annotations

from email import message_from_bytes, policy


def attachment_bytes(raw: bytes) -> int:
    """The decoded size of every attachment of ``raw`` (an RFC 5322 message)."""
    if b"multipart/mixed" not in raw and b"multipart/related" not in raw and b"attachment" not in raw:
        return 0  # alternative bodies only: the common case, without a parse
    total = 0
    for part in message_from_bytes(raw, policy=policy.default).walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment" or part.get_content_maintype() != "text":
            payload = part.get_payload(decode=True)
            total += len(payload) if isinstance(payload, bytes) else 0
    return total
