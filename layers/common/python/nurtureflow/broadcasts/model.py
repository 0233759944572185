"""A broadcast request as the admin API takes it, checked field by field."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from nurtureflow.conditions.model import AllOf, AnyOf, Condition, Engagement, Leaf, NotOf, parse_condition

# A send_at a little in the past is a clock skew or a slow form, not a mistake: it means now.
PAST_GRACE = timedelta(minutes=5)
HORIZON = timedelta(days=365)
STATUSES = ("scheduled", "sending", "completed", "cancelled", "failed")
# Who may still be sent to, and who may still be cancelled.
LIVE = ("scheduled", "sending")


class BroadcastInvalidError(Exception):
    """A request the caller must fix: ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class BroadcastBody(BaseModel):
    """The request body of ``POST /admin/broadcasts``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    template: str = Field(min_length=1, max_length=200)
    segment: dict[str, Any]
    send_at: datetime | None = None
    # Optional, as the workflow setting of the same name: over it, a contact is skipped ("capped").
    max_emails_per_day: StrictInt | None = Field(default=None, ge=1, le=100)
    # Optional, as the workflow setting: only contacts whose consent is confirmed ("no_consent").
    consent: Literal["double_opt_in"] | None = None


class BroadcastRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    template: str
    segment: dict[str, Any]
    send_at: datetime
    max_emails_per_day: int | None = None
    consent: Literal["double_opt_in"] | None = None


def parse_request(body: Any, now: datetime) -> BroadcastRequest:
    """The request in ``body``, or ``BroadcastInvalidError`` naming the first wrong field."""
    if not isinstance(body, dict):
        raise BroadcastInvalidError("body", "a broadcast is an object {name, template, segment, send_at?}")
    try:
        parsed = BroadcastBody.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise BroadcastInvalidError(field, f"{field}: {first['msg']}") from None
    send_at = _send_at(parsed.send_at, now)
    check_segment(parsed.segment)
    return BroadcastRequest(
        name=parsed.name,
        template=parsed.template,
        segment=parsed.segment,
        send_at=send_at,
        max_emails_per_day=parsed.max_emails_per_day,
        consent=parsed.consent,
    )


def _send_at(value: datetime | None, now: datetime) -> datetime:
    if value is None:
        return now
    if value.tzinfo is None:
        raise BroadcastInvalidError("send_at", "send_at needs a timezone (Z or an offset such as +02:00)")
    if value < now - PAST_GRACE:
        raise BroadcastInvalidError("send_at", "send_at is in the past; leave it out to send now")
    if value > now + HORIZON:
        raise BroadcastInvalidError("send_at", "send_at is more than a year ahead")
    return max(value, now)


def check_segment(data: dict[str, Any]) -> Condition:
    """The segment's condition, or ``BroadcastInvalidError`` naming what a broadcast cannot use."""
    try:
        condition = parse_condition(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"] if not str(p).startswith("cond:"))
        raise BroadcastInvalidError(
            "segment", f"segment{'.' + where if where else ''}: {first['msg']}"
        ) from None
    problem = _unfit(condition)
    if problem:
        raise BroadcastInvalidError("segment", problem)
    return condition


def _unfit(condition: Condition) -> str | None:
    """Why a condition cannot select a broadcast's audience: it has no event and no run."""
    if isinstance(condition, Leaf):
        return (
            f"segment: a broadcast has no enrolling event, '{condition.field}' cannot be read"
            if condition.field.startswith("event.")
            else None
        )
    if isinstance(condition, Engagement):
        return "segment: 'email' conditions look at a workflow run's own emails; use an event condition"
    if isinstance(condition, AllOf | AnyOf):
        parts = condition.all if isinstance(condition, AllOf) else condition.any
        return next((p for p in map(_unfit, parts) if p), None)
    if isinstance(condition, NotOf):
        return _unfit(condition.not_)
    return None  # in_list, and event history (whose ``where`` reads the past event's own fields)
