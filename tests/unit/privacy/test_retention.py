"""Events expire retention days after they happened, never counted from a client's future."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nurtureflow.events.retention import expires_at
from nurtureflow.settings import RetentionSettings


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def test_an_event_expires_retention_days_after_it_occurred() -> None:
    assert expires_at("2026-01-01T10:00:00+00:00", "2026-01-01T10:00:05+00:00", 400) == _epoch(
        "2027-02-05T10:00:00+00:00"
    )


def test_a_clock_running_ahead_counts_from_reception() -> None:
    received = "2026-01-01T10:00:00+00:00"
    assert expires_at("2030-01-01T00:00:00+00:00", received, 30) == _epoch("2026-01-31T10:00:00+00:00")


def test_a_backdated_event_past_its_retention_expires_at_once_not_years_ago() -> None:
    received = "2026-06-01T00:00:00+00:00"
    assert expires_at("2020-01-01T00:00:00+00:00", received, 400) == _epoch(received)


def test_offsets_other_than_utc_count_the_same_instant() -> None:
    assert expires_at("2026-01-01T12:00:00+02:00", "2026-01-01T10:00:00Z", 1) == int(
        datetime(2026, 1, 2, 10, tzinfo=UTC).timestamp()
    )


def test_the_retention_defaults_to_400_days_and_reads_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert RetentionSettings().event_retention_days == 400
    monkeypatch.setenv("NURTUREFLOW_EVENT_RETENTION_DAYS", "90")
    assert RetentionSettings().event_retention_days == 90
