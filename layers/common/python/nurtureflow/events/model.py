"""Events: what websites post (``IncomingEvent``) and what the platform keeps (``TrackedEvent``)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nurtureflow.contacts.model import normalise_email
from nurtureflow.events.values import text_problem

EVENT_TYPE = r"^[a-z][a-z0-9_]{0,63}$"
KNOWN_TYPES = frozenset(
    {
        "page_viewed",
        "form_submitted",
        "cart_updated",
        "checkout_started",
        "order_completed",
        "cta_clicked",
        "content_downloaded",
        "consent_confirmed",
    }
)
# Recorded by the platform itself; a website may not forge them.
PLATFORM_TYPES = frozenset(
    {
        "email_sent",
        "email_delivered",
        "email_opened",
        "email_clicked",
        "email_bounced",
        "email_complained",
        "email_rejected",
        "email_delayed",
        "unsubscribed",
        "task_created",
        "contact_updated",
        "manual_enrolment",
        "segment_backfill",
        "segment_sweep",
        "date_reached",
        "score_changed",
    }
)
MAX_BATCH = 100
# How far ahead of ours a website's clock may run.
MAX_CLOCK_AHEAD = timedelta(hours=24)


class IncomingEvent(BaseModel):
    """One event as the contract's ``POST /v1/events`` takes it."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, min_length=1, max_length=128)
    type: str = Field(pattern=EVENT_TYPE)
    email: str | None = None
    anonymous_id: str | None = Field(default=None, min_length=1, max_length=128)
    traits: dict[str, Any] = Field(default_factory=dict)
    properties: dict[str, Any] = Field(default_factory=dict)
    occurred_at: datetime | None = None

    @field_validator("email")
    @classmethod
    def _normalised(cls, email: str | None) -> str | None:
        return None if email is None else normalise_email(email)

    @field_validator("id", "anonymous_id")
    @classmethod
    def _storable(cls, text: str | None) -> str | None:
        if text is not None and (problem := text_problem(text)) is not None:
            raise ValueError(f"the text {problem}")
        return text

    @field_validator("type")
    @classmethod
    def _not_platform(cls, kind: str) -> str:
        if kind in PLATFORM_TYPES:
            raise ValueError(f"'{kind}' is recorded by the platform itself and cannot be posted")
        return kind

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, moment: datetime | None) -> datetime | None:
        if moment is not None and moment.tzinfo is None:
            raise ValueError("occurred_at needs a timezone, such as 2026-11-23T10:00:00Z")
        return moment

    @model_validator(mode="after")
    def _identified(self) -> IncomingEvent:
        if self.email is None and self.anonymous_id is None:
            raise ValueError("an event needs 'email' or 'anonymous_id'")
        return self


class EventBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    batch: list[IncomingEvent] = Field(min_length=1, max_length=MAX_BATCH)


class TrackedEvent(BaseModel):
    """An event as stored and as the trigger function receives it."""

    model_config = ConfigDict(extra="ignore")

    id: str
    type: str
    contact_id: str | None = None
    anonymous_id: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    occurred_at: str
    received_at: str
    # Set on the platform's email events: which send, workflow and step they are about.
    send_id: str | None = None
    workflow: str | None = None
    step: str | None = None

    @classmethod
    def about_send(
        cls, send: dict[str, Any], kind: str, event_id: str, at: str, properties: dict[str, Any] | None = None
    ) -> TrackedEvent:
        """A platform email event (open, click, bounce…) attributed to the send it is about."""
        return cls(
            id=event_id,
            type=kind,
            contact_id=send["contact_id"],
            properties=properties or {},
            occurred_at=at,
            received_at=at,
            send_id=send["id"],
            workflow=send["workflow"],
            step=send["step"],
        )

    def as_condition_data(self) -> dict[str, Any]:
        """The event as conditions and templates see it: ``event.value`` reads ``properties.value``."""
        data: dict[str, Any] = dict(self.properties)
        data.update(type=self.type, occurred_at=self.occurred_at)
        if self.step is not None:
            data["step"] = self.step
        return data


def is_custom(kind: str) -> bool:
    return kind not in KNOWN_TYPES and re.match(EVENT_TYPE, kind) is not None
