"""The rules are read once a minute per warm function, and an upload takes effect at once where it landed."""

from __future__ import annotations

from typing import Any

import pytest

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


def test_rules_are_read_once_a_minute_and_an_upload_applies_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(service.time, "monotonic", lambda: now[0])
    store = CountingStore()
    scoring = Scoring(store, MemoryContacts(), MemoryEvents(), VirtualClock())
    assert scoring.rules() == DEFAULT_RULES
    scoring.rules()
    assert store.reads == 1

    scoring.upload(RULES)
    assert [r.id for r in scoring.rules().rules] == ["demo"]

    store.put({**DEFAULT_RULES.as_document()}, "2026-11-24T00:00:00Z")  # another function's upload
    now[0] += service.RULES_MAX_AGE_SECONDS - 1
    assert [r.id for r in scoring.rules().rules] == ["demo"]
    now[0] += 2
    assert scoring.rules() == DEFAULT_RULES
