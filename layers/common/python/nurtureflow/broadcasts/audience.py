"""How many contacts a broadcast's segment matches now, before anyone is sent anything.

The same evaluation as the broadcast's own pages (``broadcasts.sending``), over the contacts table
in order, for at most a time budget: an API request has 29 seconds in API Gateway, so a large table
answers with what was counted so far (``complete`` false) rather than a timeout. The broadcast
itself reads every contact when it runs; this count is a preview, and contacts may change before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from nurtureflow.broadcasts.model import BroadcastInvalidError, check_segment
from nurtureflow.clock import Clock
from nurtureflow.conditions.evaluate import ConditionContext, evaluate
from nurtureflow.conditions.model import Condition
from nurtureflow.contacts.model import Contact
from nurtureflow.runs.history import RunHistory

BUDGET_SECONDS = 20.0  # under API Gateway's 29 s, with room for the request around it
_CHUNK = 200  # contacts per table read


def in_segment(segment: Condition, contact: Contact, events: Any, sends: Any, now: datetime) -> bool:
    """Whether ``contact`` is in a broadcast's ``segment`` at ``now``: no enrolling event, and the
    contact's own history for engagement with past emails. The broadcast's pages ask this too."""
    history = RunHistory(events, sends, contact.id, execution_arn="")
    return evaluate(segment, ConditionContext(contact.as_condition_data(), None, now, history))


class AudienceCount:
    def __init__(
        self,
        contacts: Any,
        events: Any,
        sends: Any,
        clock: Clock,
        budget_seconds: float = BUDGET_SECONDS,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._contacts, self._events, self._sends, self._clock = contacts, events, sends, clock
        self._budget, self._timer = budget_seconds, timer

    def count(self, body: Any) -> dict[str, Any]:
        """``{"segment": condition}`` -> matched, scanned and whether every contact was read.

        A segment a broadcast would refuse is refused here the same way (``BroadcastInvalidError``).
        """
        if not isinstance(body, dict) or not isinstance(body.get("segment"), dict):
            raise BroadcastInvalidError("segment", 'send {"segment": <condition>}, as in a broadcast')
        segment = check_segment(body["segment"])
        now, deadline = self._clock.now(), self._timer() + self._budget
        matched = scanned = 0
        after: str | None = None
        while True:
            contacts, after = self._contacts.page(after, _CHUNK)
            matched += sum(in_segment(segment, c, self._events, self._sends, now) for c in contacts)
            scanned += len(contacts)
            if after is None or self._timer() >= deadline:
                break
        return {"matched": matched, "scanned": scanned, "complete": after is None}
