"""The scoring rules document (``scoring/v1``) and the defaults used until one is uploaded."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from nurtureflow.conditions.model import Condition
from nurtureflow.events.model import EVENT_TYPE
from nurtureflow.workflow.durations import Duration, parse_duration

RULE_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
STAGE_NAME = r"^[a-z][a-z0-9_]{0,31}$"
# Every contact starts here (``Contact.lifecycle_stage``); thresholds only move contacts up from it.
FIRST_STAGE = "subscriber"
MAX_POINTS = 1000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Cap(_Strict):
    """At most ``points`` (in absolute value) from this rule within any window of ``per``."""

    points: int = Field(gt=0, le=100 * MAX_POINTS)
    per: Duration


class Rule(_Strict):
    id: Annotated[str, Field(pattern=RULE_ID)]
    event: Annotated[str, Field(pattern=EVENT_TYPE)]
    where: Condition | None = None
    points: int = Field(ge=-MAX_POINTS, le=MAX_POINTS)
    cap: Cap | None = None


class Decay(_Strict):
    half_life: Duration


class Stage(_Strict):
    stage: Annotated[str, Field(pattern=STAGE_NAME)]
    at: int = Field(ge=-100 * MAX_POINTS, le=100 * MAX_POINTS)


class ScoringRules(_Strict):
    schema_: Literal["scoring/v1"] = Field(alias="schema")
    rules: list[Rule] = Field(max_length=200)
    decay: Decay | None = None
    stages: list[Stage] = Field(default_factory=list, max_length=20)

    def as_document(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def longest_cap(self) -> timedelta | None:
        """The widest cap window, so one history read covers every rule's cap; None without caps."""
        windows = [parse_duration(rule.cap.per) for rule in self.rules if rule.cap is not None]
        return max(windows, default=None)


def scoring_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of ``scoring/v1``, as the API validates its shape."""
    schema = ScoringRules.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "NurtureFlow lead-scoring rules (scoring/v1)",
        "description": "Points per event, caps, decay and stages (docs/scoring.md). The API also "
        "checks what a schema cannot: conditions, durations and duplicate rule ids.",
        **{k: v for k, v in schema.items() if k != "title"},
    }


DEFAULT_DOCUMENT: dict[str, Any] = {
    "schema": "scoring/v1",
    "rules": [
        {
            "id": "pricing-page",
            "event": "page_viewed",
            "where": {"field": "event.path", "op": "starts_with", "value": "/pricing"},
            "points": 5,
            "cap": {"points": 15, "per": "P1D"},
        },
        {"id": "form", "event": "form_submitted", "points": 10, "cap": {"points": 30, "per": "P7D"}},
        {"id": "email-open", "event": "email_opened", "points": 1, "cap": {"points": 3, "per": "P1D"}},
        {"id": "email-click", "event": "email_clicked", "points": 3, "cap": {"points": 9, "per": "P1D"}},
        {"id": "purchase", "event": "order_completed", "points": 20},
        {"id": "unsubscribe", "event": "unsubscribed", "points": -20},
        {"id": "bounce", "event": "email_bounced", "points": -10},
        {"id": "complaint", "event": "email_complained", "points": -30},
    ],
    "decay": {"half_life": "P90D"},
    "stages": [{"stage": "lead", "at": 20}, {"stage": "mql", "at": 50}, {"stage": "sql", "at": 100}],
}
DEFAULT_RULES = ScoringRules.model_validate(DEFAULT_DOCUMENT)
