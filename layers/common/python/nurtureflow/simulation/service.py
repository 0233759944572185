"""``POST /admin/workflows/{id}/simulate``: the forecast of a stored workflow, with its stored templates."""

from __future__ import annotations

import time
from typing import Any

from pydantic import ValidationError

from nurtureflow.simulation.forecast import SimulationRequest, simulate
from nurtureflow.workflow.errors import WorkflowInvalidError
from nurtureflow.workflow.publishing import WorkflowNotFoundError

# The API answers within API Gateway's 29 seconds: larger forecasts run from the command line.
API_MAX_CONTACTS = 5_000
# What a forecast may take before it is refused: API Gateway ends the request at 29 s with a 504
# that says nothing, and the function's start and answer need the rest. A forecast's time grows with
# its contacts and their emails, so 5,000 contacts of a long series can need more than this.
API_TIME_BUDGET_SECONDS = 25.0


class SimulationRefusedError(Exception):
    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field, self.status = field, status


class _OutOfTime(Exception):
    pass


def simulate_stored(
    workflow_id: str,
    body: Any,
    workflows: Any,
    templates: Any,
    scoring_rules: Any = None,
    budget_seconds: float = API_TIME_BUDGET_SECONDS,
) -> dict[str, Any]:
    """Simulate the workflow's current version, scored by the rules in force (``scoring_rules``, a
    ``store.scoring`` repository); the body holds the ``SimulationRequest`` fields. A forecast still
    running after ``budget_seconds`` is stopped and refused (422, ``contacts``)."""
    deadline = time.monotonic() + budget_seconds
    if not isinstance(body, dict):
        raise SimulationRefusedError("body", "the body is a JSON object of simulation settings")
    try:
        request = SimulationRequest.model_validate(body)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        raise SimulationRefusedError(".".join(str(p) for p in first["loc"]) or "body", first["msg"]) from None
    if request.contacts > API_MAX_CONTACTS:
        raise SimulationRefusedError(
            "contacts",
            f"the API simulates at most {API_MAX_CONTACTS:,} contacts; "
            "`nurtureflow simulate` on the command line goes further",
        )
    meta = workflows.meta(workflow_id)
    stored = None if meta is None else workflows.version(workflow_id, int(meta["version"]))
    if stored is None:
        raise WorkflowNotFoundError(workflow_id)
    document = stored["document"]
    wanted = {step["template"] for step in document.get("steps", {}).values() if step.get("type") == "email"}
    found = {name: templates.get(name) for name in sorted(wanted)}

    def in_time(_done: float) -> None:
        if time.monotonic() > deadline:
            raise _OutOfTime

    try:
        scoring = None if scoring_rules is None else scoring_rules.get()
        stored_templates = {k: v for k, v in found.items() if v is not None}
        return simulate(document, stored_templates, request, progress=in_time, scoring=scoring)
    except _OutOfTime:
        raise SimulationRefusedError(
            "contacts",
            f"this forecast takes longer than the API's time allows ({budget_seconds:g} s of the 29 s "
            "API Gateway gives a request): ask for fewer contacts or days, or run "
            "`nurtureflow simulate` on the command line, which has no such limit",
        ) from None
    except WorkflowInvalidError as invalid:  # a template deleted since the upload, say
        issue = invalid.issues[0]
        raise SimulationRefusedError(issue.pointer, issue.message) from None
