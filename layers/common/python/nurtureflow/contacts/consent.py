"""A contact's consent to marketing email, kept provable (GDPR): its state, when, and how.

A ``consent_confirmed`` event (a double opt-in's confirmation click, posted by the website)
confirms it; an unsubscribe withdraws it. The record keeps the event that changed it, its type, and
the ``wording`` and ``source`` the website sent in its properties, so the consent can be shown.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

CONSENT_EVENT = "consent_confirmed"
# A workflow setting: its emails go only to contacts whose consent is confirmed.
DOUBLE_OPT_IN = "double_opt_in"


class Consent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: Literal["confirmed", "withdrawn"]
    at: str  # when it was given or withdrawn (the event's occurred_at)
    event_id: str  # the event that gave or withdrew it
    event_type: str
    wording: str | None = None  # what the person agreed to, as the website showed it
    source: str | None = None  # where: a form, a page, a checkbox


def _text(value: Any) -> str | None:
    return str(value)[:1000] if isinstance(value, str | int | float) and str(value) else None


def confirmed_by(event_id: str, event_type: str, at: str, properties: dict[str, Any]) -> dict[str, Any]:
    """The consent record a confirming event writes (``None`` fields left out)."""
    record = Consent(
        status="confirmed",
        at=at,
        event_id=event_id,
        event_type=event_type,
        wording=_text(properties.get("wording")),
        source=_text(properties.get("source")),
    )
    return record.model_dump(exclude_none=True)


def withdrawn_by(event_id: str, at: str, source: str) -> dict[str, Any]:
    """The consent record an unsubscribe writes."""
    return Consent(
        status="withdrawn", at=at, event_id=event_id, event_type="unsubscribed", source=source
    ).model_dump(exclude_none=True)


def has_consent(contact: Any) -> bool:
    """True when the contact's consent is confirmed and not withdrawn since."""
    consent = getattr(contact, "consent", None)
    return consent is not None and consent.status == "confirmed"
