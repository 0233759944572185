"""Broadcasts as the admin API sees them: create and start one, read its progress, cancel it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from nurtureflow.broadcasts.definition import start_input
from nurtureflow.broadcasts.model import LIVE, BroadcastInvalidError, parse_request
from nurtureflow.clock import Clock, timestamp
from nurtureflow.store.broadcasts import BroadcastStatusError

logger = Logger(child=True)


class Starter(Protocol):
    """The slice of Step Functions broadcasts need (``aws.stepfunctions.Executions``)."""

    def start(self, target_arn: str, name: str, run_input: dict[str, Any]) -> str: ...
    def stop(self, execution_arn: str, cause: str) -> bool: ...


class BroadcastNotFoundError(Exception):
    """No broadcast has this id."""


class BroadcastConflictError(Exception):
    """The broadcast cannot change any more (it ended)."""


def workflow_key(broadcast_id: str) -> str:
    """What a broadcast's sends, events and ledger lines carry as their workflow."""
    return f"broadcast:{broadcast_id}"


class Broadcasts:
    def __init__(
        self,
        store: Any,
        template_exists: Callable[[str], bool],
        starter: Starter,
        state_machine_arn: str,
        clock: Clock,
    ) -> None:
        self._store, self._template_exists, self._starter = store, template_exists, starter
        self._machine, self._clock = state_machine_arn, clock

    def create(self, body: Any) -> dict[str, Any]:
        """Check the request, store the broadcast as ``scheduled`` and start its execution."""
        now = self._clock.now()
        request = parse_request(body, now)
        if not self._template_exists(request.template):
            raise BroadcastInvalidError(
                "template",
                f"no email template is called '{request.template}' "
                "(layouts and partials are never sent alone)",
            )
        broadcast_id = "b_" + uuid.uuid4().hex[:24]
        send_at = timestamp(request.send_at)
        # The execution is named after the broadcast, so its ARN is known before it starts.
        arn = self._machine.replace(":stateMachine:", ":execution:") + f":{broadcast_id}"
        self._store.create(
            {
                "id": broadcast_id,
                "name": request.name,
                "template": request.template,
                "segment": request.segment,
                "send_at": send_at,
                "status": "scheduled",
                "created_at": now.isoformat(),
                "execution_arn": arn,
                **({"max_emails_per_day": request.max_emails_per_day} if request.max_emails_per_day else {}),
                **({"consent": request.consent} if request.consent else {}),
            }
        )
        try:
            self._starter.start(self._machine, broadcast_id, start_input(broadcast_id, send_at))
        except Exception:
            # Nothing will send it: say so on the broadcast rather than leave it "scheduled" for ever.
            logger.exception("the broadcast's execution did not start", extra={"broadcast": broadcast_id})
            self._store.move(broadcast_id, LIVE, "failed", {"failure": "the execution did not start"})
            raise
        return {"id": broadcast_id, "status": "scheduled"}

    def get(self, broadcast_id: str) -> dict[str, Any]:
        """The broadcast and its progress, from its counters."""
        item = self._store.get(broadcast_id)
        if item is None:
            raise BroadcastNotFoundError(broadcast_id)
        return view(item)

    def cancel(self, broadcast_id: str) -> dict[str, Any]:
        """Stop a scheduled or sending broadcast; a cancelled one answers as it is (a repeated cancel)."""
        try:
            item = self._store.move(
                broadcast_id, LIVE, "cancelled", {"cancelled_at": self._clock.now().isoformat()}
            )
        except BroadcastStatusError as exc:
            if exc.status is None:
                raise BroadcastNotFoundError(broadcast_id) from None
            if exc.status == "cancelled":
                return self.get(broadcast_id)
            raise BroadcastConflictError(
                f"the broadcast is {exc.status}: it can no longer be cancelled"
            ) from None
        # Batches in flight read the status before each send; stopping the execution ends the rest.
        if item.get("execution_arn"):
            self._starter.stop(str(item["execution_arn"]), "cancelled")
        return view(item)


def view(item: dict[str, Any]) -> dict[str, Any]:
    """The API's shape of a stored broadcast."""
    skipped = {k: int(v) for k, v in sorted((item.get("skipped") or {}).items())}
    return {
        "id": item["id"],
        "name": item["name"],
        "template": item["template"],
        "segment": item["segment"],
        "send_at": item["send_at"],
        "status": item["status"],
        "workflow": workflow_key(item["id"]),
        "counts": {
            "matched": int(item.get("matched", 0)),
            "sent": int(item.get("sent", 0)),
            "unconfirmed": int(item.get("unconfirmed", 0)),
            "skipped": skipped,
            "skipped_total": sum(skipped.values()),
            "failed": int(item.get("failed", 0)),
        },
        **{k: item[k] for k in ("created_at", "started_at", "completed_at", "cancelled_at") if k in item},
        **({"max_emails_per_day": item["max_emails_per_day"]} if "max_emails_per_day" in item else {}),
        **({"consent": item["consent"]} if "consent" in item else {}),
    }
