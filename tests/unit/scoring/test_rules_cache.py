"""The rules are read once a minute per warm function, and an upload takes effect at once where it landed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from nurtureflow.clock import VirtualClock
from nurtureflow.scoring import service
from nurtureflow.scoring.rules import DEFAULT_RULES
from nurtureflow.scoring.service import Scoring
from nurtureflow.simulation.memory import MemoryContacts, MemoryEvents, MemoryScoringRules

RULES = {"schema": "scoring/v1", "rules": [{"id": "demo", "event": "demo_requested", "points": 30}]}


class CountingStore(MemoryScoringRules):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get(self) -> dict[str, Any] | None:
        self.reads += 1
        return super().get()


def test_rules_are_read_once_a_minute_and_an_upload_applies_at_once() -> None:
    """The minute is the service's clock's: the local stack's virtual clock ages it, as time does."""
    clock = VirtualClock()
    store = CountingStore()
    scoring = Scoring(store, MemoryContacts(), MemoryEvents(), clock)
    assert scoring.rules() == DEFAULT_RULES
    scoring.rules()
    assert store.reads == 1

    scoring.upload(RULES)
    assert [r.id for r in scoring.rules().rules] == ["demo"]

    store.put({**DEFAULT_RULES.as_document()}, "2026-11-24T00:00:00Z")  # another function's upload
    clock.advance(timedelta(seconds=service.RULES_MAX_AGE_SECONDS - 1))
    assert [r.id for r in scoring.rules().rules] == ["demo"]
    clock.advance(timedelta(seconds=2))
    assert scoring.rules() == DEFAULT_RULES
