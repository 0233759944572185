"""``POST /_local/inbound``: mail to the local unsubscribe mailbox, handed to the track function as
the receipt rule of the stack (``infra/stack/inbound.py``) hands it in AWS.

The event is shaped as AWS documents it ("Event records provided by the Lambda action", SES
developer guide), so the track function parses it with the same model as in AWS.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime, parseaddr
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nurtureflow.clock import Clock

Verdict = Literal["PASS", "FAIL", "GRAY", "PROCESSING_FAILED"]


class InboundMail(BaseModel):
    """``POST /_local/inbound``: who writes to whom about what, and optionally SES's scan verdicts."""

    model_config = ConfigDict(extra="forbid")

    to: str = Field(min_length=3, max_length=320)
    from_: str = Field(default="someone@example.com", alias="from", min_length=3, max_length=320)
    subject: str = Field(default="", max_length=2000)
    spam: Verdict = "PASS"
    virus: Verdict = "PASS"


def receipt_event(mail: InboundMail, function_arn: str, now: datetime) -> dict[str, Any]:
    """The ``{"Records": [{"eventSource": "aws:ses", ...}]}`` event of one received mail."""
    stamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    message_id = f"local-{uuid.uuid4().hex}"
    headers = {"From": mail.from_, "To": mail.to, "Subject": mail.subject, "Date": format_datetime(now)}
    return {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {
                    "mail": {
                        "timestamp": stamp,
                        "source": mail.from_,
                        "messageId": message_id,
                        "destination": [mail.to],
                        "headersTruncated": False,
                        "headers": [{"name": k, "value": v} for k, v in headers.items()],
                        "commonHeaders": {
                            "returnPath": mail.from_,
                            "from": [mail.from_],
                            "date": headers["Date"],
                            "to": [mail.to],
                            "messageId": f"<{message_id}@local>",
                            "subject": mail.subject,
                        },
                    },
                    "receipt": {
                        "timestamp": stamp,
                        "processingTimeMillis": 1,
                        "recipients": [mail.to],
                        "spamVerdict": {"status": mail.spam},
                        "virusVerdict": {"status": mail.virus},
                        "spfVerdict": {"status": "GRAY"},
                        "dkimVerdict": {"status": "GRAY"},
                        "dmarcVerdict": {"status": "GRAY"},
                        "action": {"type": "Lambda", "functionArn": function_arn, "invocationType": "Event"},
                    },
                },
            }
        ]
    }


def _invalid(field: str, message: str) -> dict[str, Any]:
    return {
        "error": "invalid_request",
        "message": f"{field}: {message}",
        "details": [{"field": field, "message": message}],
    }


class LocalMailbox:
    """The receipt rule of the local stack: mail for ``mailbox`` only, to the track function."""

    def __init__(
        self, mailbox: str, invoke: Callable[[str, Any], Any], function_arn: str, clock: Clock
    ) -> None:
        self._mailbox, self._invoke, self._arn, self._clock = mailbox.lower(), invoke, function_arn, clock

    def receive(self, method: str, body: bytes) -> tuple[int, Any]:
        """The route: 200 with what the track function answered, 400 for a request SES would not take."""
        try:
            mail = InboundMail.model_validate_json(body or b"{}")
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            return 400, _invalid(".".join(map(str, first["loc"])) or "body", first["msg"])
        if parseaddr(mail.to)[1].lower() != self._mailbox:
            # As SES: no receipt rule names this recipient, so the mail is not received at all.
            return 400, _invalid(
                "to", f"no receipt rule for this recipient; the local mailbox is {self._mailbox}"
            )
        return 200, self._invoke("track", receipt_event(mail, self._arn, self._clock.now()))
