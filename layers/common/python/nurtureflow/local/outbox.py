"""What the local SES (moto) accepted, parsed back into the contract's outbox entries."""

from __future__ import annotations

from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID  # type: ignore[attr-defined]
from moto.ses.models import ses_backends

from nurtureflow.sending.message import parse_mime


def outbox(region: str, sent_at: dict[str, str]) -> list[dict[str, Any]]:
    """Oldest first; ``sent_at`` maps send ids to their (virtual) send time."""
    entries = []
    for message in ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages:
        raw = getattr(message, "raw_data", None)
        if raw is None:
            continue
        parsed = parse_mime(raw.encode() if isinstance(raw, str) else raw)
        headers = parsed["headers"]
        send_id = headers.get("X-NurtureFlow-Send", "")
        entries.append(
            {
                "to": parsed["to"],
                "from": parsed["from"],
                "subject": parsed["subject"],
                "html": parsed["html"],
                "text": parsed["text"],
                "headers": headers,
                "workflow": headers.get("X-NurtureFlow-Workflow"),
                "step": headers.get("X-NurtureFlow-Step"),
                "contact_id": headers.get("X-NurtureFlow-Contact"),
                "send_id": send_id,
                "sent_at": sent_at.get(send_id),
            }
        )
    return entries
