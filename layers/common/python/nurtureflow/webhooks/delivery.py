"""A webhook's request body, and what the run keeps of the answer (``webhook.<step>.…`` in branches)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from nurtureflow.runs.visit import visit_id

DELIVERY_HEADER = "X-NurtureFlow-Delivery"
# The answer's body is kept on the run for branches; a bigger one is dropped (``body`` null,
# ``truncated`` true) so a chatty endpoint cannot bloat the runs table.
MAX_KEPT_BODY_BYTES = 8 * 1024
_STATUS_ERROR = "States.Http.StatusCode."


def delivery_id(execution_arn: str, step: str, entered: str) -> str:
    """The same for every attempt of one visit: receivers deduplicate on it."""
    return visit_id("wh_", execution_arn, step, entered)


def request_body(
    delivery: str,
    workflow: str,
    version: int,
    step: str,
    execution_arn: str,
    contact: dict[str, Any],
    event: dict[str, Any] | None,
    now: datetime,
) -> str:
    """The JSON text sent, byte for byte what the signature covers (compact, keys sorted)."""
    body = {
        "id": delivery,
        "type": "nurtureflow.webhook",
        "sent_at": now.isoformat(),
        "workflow": {"id": workflow, "version": version, "step": step},
        "execution": execution_arn,
        "contact": contact,
        "event": event,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def answered(result: dict[str, Any]) -> dict[str, Any]:
    """A 2xx answer as the run keeps it: its status and body (parsed JSON when it was JSON)."""
    body = result.get("body")
    kept = len(json.dumps(body, default=str).encode()) <= MAX_KEPT_BODY_BYTES
    return {
        "ok": True,
        "status": int(result.get("status") or 0),
        "body": body if kept else None,
        "truncated": not kept,
    }


def failed(error: dict[str, Any]) -> dict[str, Any]:
    """Every attempt failed: the last HTTP status (0 when none came: a timeout, no connection) and
    Step Functions' error name."""
    name = str(error.get("Error") or "")
    status = int(name.removeprefix(_STATUS_ERROR)) if name.startswith(_STATUS_ERROR) else 0
    return {"ok": False, "status": status, "body": None, "error": name[:128]}
