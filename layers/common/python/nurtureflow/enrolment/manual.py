"""Enrolments the admin API asks for (``POST …/enroll``, a segment's ``include_existing`` on
activation): checked here, enrolled by the trigger function.

The admin function only validates and publishes a "Manual Enrolment" event; the trigger function
enrols, so enrolment has one home with one set of permissions, and a retried publish is harmless.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from nurtureflow.contacts.model import InvalidEmailError, contact_id_for

DETAIL_TYPE = "Manual Enrolment"
BACKFILL = "Segment Backfill"
MAX_CONTACTS = 1000


class EnrolRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contacts: list[str] = Field(min_length=1, max_length=MAX_CONTACTS)
    id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")


class EnrolmentRefusedError(Exception):
    """The workflow cannot take manual enrolments now (``field`` names why)."""

    def __init__(self, field: str, message: str, status: int) -> None:
        super().__init__(message)
        self.field, self.status = field, status


class Bus(Protocol):
    def put(self, detail_type: str, detail: dict[str, Any]) -> None: ...


class ManualEnrolment:
    def __init__(self, workflows: Any, contacts: Any, bus: Bus) -> None:
        self._workflows, self._contacts, self._bus = workflows, contacts, bus

    def request(self, workflow_id: str, request: EnrolRequest) -> dict[str, Any]:
        """Queue the enrolment; which contacts were accepted and which are unknown."""
        workflow = self._workflows.meta(workflow_id)
        if workflow is None:
            raise EnrolmentRefusedError("id", f"no workflow is called '{workflow_id}'", 404)
        if "manual" not in (workflow.get("trigger") or {}):
            raise EnrolmentRefusedError(
                "trigger", "only workflows with a manual trigger take enrolments", 422
            )
        if workflow.get("status") == "archived":
            raise EnrolmentRefusedError("status", "the workflow is archived: it enrols nobody any more", 409)
        if workflow.get("status") != "active":
            raise EnrolmentRefusedError(
                "status", f"the workflow is {workflow.get('status')}: activate it", 409
            )
        accepted, unknown = [], []
        for reference in request.contacts:
            contact_id = _contact_id(reference)
            if contact_id is not None and self._contacts.get(contact_id) is not None:
                accepted.append(contact_id)
            else:
                unknown.append(reference)
        key = request.id or uuid.uuid4().hex
        if accepted:
            self._bus.put(DETAIL_TYPE, {"workflow": workflow_id, "contacts": accepted, "key": key})
        return {"accepted": len(accepted), "contacts": accepted, "unknown": unknown, "id": key}

    def after_activation(self, workflow_id: str) -> bool:
        """A segment workflow with ``include_existing`` enrols those already matching: ask the trigger."""
        trigger = (self._workflows.meta(workflow_id) or {}).get("trigger") or {}
        if "segment" in trigger and trigger.get("include_existing"):
            self._bus.put(BACKFILL, {"workflow": workflow_id})
            return True
        return False


def _contact_id(reference: str) -> str | None:
    if "@" not in reference:
        return reference
    try:
        return contact_id_for(reference)
    except InvalidEmailError:
        return None
