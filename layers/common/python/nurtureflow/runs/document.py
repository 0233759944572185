"""A run's input document, on its own: the send and broadcast functions read it without loading
the step function's actions (and their scoring, ingestion and validation modules)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RunDocument(BaseModel):
    """A run's input: which workflow version, which contact, and the event that enrolled it."""

    model_config = ConfigDict(extra="ignore")

    workflow: str
    version: int
    contact_id: str
    event: dict[str, Any] = Field(default_factory=dict)
    enrolment: str
    start_at: str | None = None  # date triggers: when the run's first state lets it start
