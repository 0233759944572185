"""How many contacts a broadcast's segment matches now, before anyone is sent anything.

The same evaluation as the broadcast's own pages (``broadcasts.sending``), over the contacts table
in order, for at most a time budget: an API request has 29 seconds in API Gateway, so a large table
answers with what was counted so far (``complete`` false) rather than a timeout. The broadcast
itself reads every contact when it runs; this count is a preview, and contacts may change before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from nurtureflow.broadcasts.model import check_segment
from nurtureflow.clock import Clock
from nurtureflow.conditions.evaluate import ConditionContext, evaluate
from nurtureflow.conditions.model import parse_condition
from nurtureflow.runs.history import RunHistory

BUDGET_SECONDS = 20.0  # under API Gateway's 29 s, with room for the request around it
_CHUNK = 200  # contacts per table read


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
        from nurtureflow.broadcasts.model import BroadcastInvalidError

        if not isinstance(body, dict) or not isinstance(body.get("segment"), dict):
            raise BroadcastInvalidError("segment", 'send {"segment": <condition>}, as in a broadcast')
        check_segment(body["segment"])
        segment = parse_condition(body["segment"])
        now, deadline = self._clock.now(), self._timer() + self._budget
        matched = scanned = 0
        after: str | None = None
        while True:
            contacts, after = self._contacts.page(after, _CHUNK)
            for contact in contacts:
                history = RunHistory(self._events, self._sends, contact.id, execution_arn="")
                if evaluate(segment, ConditionContext(contact.as_condition_data(), None, now, history)):
                    matched += 1
            scanned += len(contacts)
            if after is None or self._timer() >= deadline:
                break
        return {"matched": matched, "scanned": scanned, "complete": after is None}
