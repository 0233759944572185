"""Contacts: keyed by their normalised email, with traits, score, lists and consent."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from nurtureflow.contacts.consent import Consent

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NAMED_TRAITS = ("first_name", "last_name", "timezone", "locale")


class InvalidEmailError(ValueError):
    """An address that cannot be mailed."""


def normalise_email(email: str) -> str:
    """Trimmed and lower-cased, so one person is one contact whatever case a form used; an
    internationalised domain in its ASCII form, as SES sends to it.

    Refuses what SES cannot send to (email-validator's rules without a DNS lookup): a non-ASCII
    local part (SES has no SMTPUTF8), quoting, stray characters such as '>', special-use domains.
    """
    # Loaded at the first address, not at import: functions that never read one (step, send)
    # spare their cold start its ~25 ms.
    from email_validator import EmailNotValidError, validate_email

    trimmed = email.strip()
    if len(trimmed) > 254 or not _EMAIL.match(trimmed):
        raise InvalidEmailError(f"'{email}' is not an email address")
    try:
        checked = validate_email(
            trimmed, check_deliverability=False, allow_smtputf8=False, globally_deliverable=False
        )
    except EmailNotValidError as error:
        raise InvalidEmailError(f"'{email}' is not an address email can be sent to: {error}") from None
    return str(checked.ascii_email).lower()


def contact_id_for(email: str) -> str:
    """A stable id derived from the address: the same contact from any event, without a lookup."""
    return "c_" + hashlib.sha256(normalise_email(email).encode()).hexdigest()[:24]


class Contact(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    timezone: str | None = None
    locale: str | None = None
    score: int = 0
    lifecycle_stage: str = "subscriber"
    score_updated_at: str | None = None  # when the score last changed: decay runs from there
    properties: dict[str, Any] = Field(default_factory=dict)
    lists: list[str] = Field(default_factory=list)
    unsubscribed: bool = False
    suppressed: bool = False
    consent: Consent | None = None  # double opt-in state, provable (``contacts.consent``)
    # Anonymous ids joined to this contact (most recent last, capped: ``events.identity``).
    anonymous_ids: list[str] = Field(default_factory=list)
    created_at: str
    updated_at: str

    def as_condition_data(self) -> dict[str, Any]:
        """The contact as conditions and templates see it (``contact.<path>``)."""
        return self.model_dump(mode="json")
