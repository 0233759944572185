"""Is a POST body an RFC 8058 one-click unsubscribe? Both encodings the RFC allows.

RFC 8058 says the body SHOULD be ``multipart/form-data`` and MAY be urlencoded; mailbox providers
send either. Multipart is read with the standard library's MIME parser (form-data is MIME), so no
form library is added to the layer for one field.
"""

from __future__ import annotations

from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs

FIELD, VALUE = "List-Unsubscribe", "One-Click"


def is_one_click(content_type: str | None, body: bytes) -> bool:
    """True when the body holds the field ``List-Unsubscribe`` with the value ``One-Click``."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind == "multipart/form-data":
        return VALUE in _multipart_values(content_type or "", body)
    if kind in ("", "application/x-www-form-urlencoded", "text/plain"):
        form = parse_qs(body.decode("utf-8", errors="replace"))
        return VALUE in form.get(FIELD, [])
    return False


def _multipart_values(content_type: str, body: bytes) -> list[str]:
    """The values of the ``List-Unsubscribe`` parts of a form-data body (none if it is unreadable)."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        return []
    values = []
    for part in message.iter_parts():
        if isinstance(part, Message) and part.get_param("name", header="content-disposition") == FIELD:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                values.append(payload.decode("utf-8", errors="replace").strip())
    return values
