"""``include_existing`` in parts (``enrolment.backfill``): StartExecution throttling absorbed, hand-overs
before the invocation ends, and every contact enrolled exactly once, against the quota models of
``bench.scale`` (StartExecution's token bucket: https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-api-action-throttling-general)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from bench.scale import TODAY, TokenBucket, segment_workflow, simulate_backfill, synthetic_contact
from nurtureflow.contacts.model import Contact
from nurtureflow.enrolment.backfill import ONE_PART_CONTACTS, Backfill, BackfillPart, is_throttling
from nurtureflow.simulation.memory import MemoryContacts

NOW = "2026-01-01T00:00:00+00:00"
ROOT = Path(__file__).resolve().parents[3]


def test_a_throttled_backfill_that_hands_over_many_times_enrols_every_contact_once() -> None:
    # A bucket of 50 refilled at 20/s against 8 parts, and one-minute invocations: both bind.
    report = simulate_backfill(2000, segments=8, invocation_seconds=60, bucket=TokenBucket(50, 20.0))
    assert report.throttled > 0
    assert report.hand_overs > 0
    assert (report.enrolled_contacts, report.missing, report.duplicate_runs) == (2000, 0, 0)
    # The bucket sets the pace: never faster than its burst plus its refill, the report's baseline.
    assert report.contacts <= 50 + 20.0 * report.simulated_seconds
    assert report.quota_seconds == (2000 - 50) / 20.0 <= report.simulated_seconds


def test_without_throttling_the_parts_enrol_everyone_in_one_invocation_each() -> None:
    report = simulate_backfill(1600, segments=4)
    assert (report.enrolled_contacts, report.missing, report.duplicate_runs) == (1600, 0, 0)
    assert (report.throttled, report.hand_overs, report.invocations) == (0, 0, 1 + 4)


class _Bus:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def put(self, detail_type: str, detail: dict[str, Any]) -> None:
        self.published.append(detail)


class _Contacts:
    def __init__(self, ids: list[str]) -> None:
        self._ids = ids

    def segment_page(
        self, segment: int, segments: int, after: str | None, limit: int
    ) -> tuple[list[Contact], str | None]:
        start = 0 if after is None else self._ids.index(after) + 1
        chunk = self._ids[start : start + limit]
        more = start + limit < len(self._ids)
        contacts = [Contact(id=i, email=f"{i}@example.com", created_at=NOW, updated_at=NOW) for i in chunk]
        return contacts, chunk[-1] if more else None


class _Dispatcher:
    def __init__(self, status: str = "active", fail: Exception | None = None) -> None:
        self.status, self.fail, self.swept = status, fail, []

    def backfill_key(self, workflow_id: str) -> str | None:
        return f"b_{workflow_id}_3" if self.status == "active" else None

    def active_workflow(self, workflow_id: str) -> dict[str, Any] | None:
        return {"id": workflow_id} if self.status == "active" else None

    def sweep_contact(self, workflow: dict[str, Any], contact: Contact, key: str, kind: str) -> bool:
        if self.fail is not None:
            raise self.fail
        self.swept.append((contact.id, key))
        return True


def test_a_large_table_fans_out_one_part_per_segment_under_one_key() -> None:
    bus, many = _Bus(), _Contacts([f"c{i:05d}" for i in range(ONE_PART_CONTACTS + 1)])
    assert Backfill(_Dispatcher(), many, bus, "Segment Backfill", segments=4).fan_out("w") == 4
    assert bus.published == [BackfillPart("w", "b_w_3", s, 4).detail() for s in range(4)]


def test_a_table_one_part_can_read_is_not_read_once_per_segment() -> None:
    bus, few = _Bus(), _Contacts([f"c{i:05d}" for i in range(ONE_PART_CONTACTS)])
    assert Backfill(_Dispatcher(), few, bus, "Segment Backfill", segments=4).fan_out("w") == 1
    assert bus.published == [BackfillPart("w", "b_w_3", 0, 1).detail()]


def test_a_paused_workflow_takes_no_backfill_and_stops_one_under_way() -> None:
    bus, paused = _Bus(), _Dispatcher(status="paused")
    assert Backfill(paused, _Contacts(["a"]), bus, "B").fan_out("w") == 0
    outcome = Backfill(paused, _Contacts(["a", "b"]), bus, "B").run(BackfillPart("w", "k", 0, 1), lambda: 900)
    assert (outcome.enrolled, outcome.handed_over, bus.published, paused.swept) == (0, False, [], [])


def test_a_part_short_of_time_hands_over_from_the_last_contact_done() -> None:
    bus, dispatcher = _Bus(), _Dispatcher()
    left = iter([900, 900, 900, 10])  # time for three contacts, then the margin is reached
    part = BackfillPart("w", "k", 1, 2, after="a")
    outcome = Backfill(dispatcher, _Contacts(["a", "b", "c", "d", "e"]), bus, "B").run(
        part, lambda: next(left)
    )
    assert [c for c, _ in dispatcher.swept] == ["b", "c", "d"]
    assert outcome.handed_over
    assert bus.published == [BackfillPart("w", "k", 1, 2, after="d").detail()]


def test_an_error_that_is_not_throttling_is_not_swallowed() -> None:
    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "StartExecution")
    assert not is_throttling(denied)
    with pytest.raises(ClientError):
        Backfill(_Dispatcher(fail=denied), _Contacts(["a"]), _Bus(), "B").run(
            BackfillPart("w", "k", 0, 1), lambda: 900
        )


def test_throttling_backs_off_with_jitter_under_a_cap() -> None:
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate"}}, "StartExecution")
    slept: list[float] = []
    left = iter([900] * 12 + [0])
    backfill = Backfill(_Dispatcher(fail=throttled), _Contacts(["a"]), _Bus(), "B", sleep=slept.append)
    outcome = backfill.run(BackfillPart("w", "k", 0, 1), lambda: next(left))
    assert outcome.throttled == 12
    assert outcome.handed_over
    assert outcome.enrolled == 0
    assert all(0 <= s <= 5.0 for s in slept)
    assert max(slept) > 0.05


class _Sweeping(_Dispatcher):
    def segment_sweeps(self) -> list[tuple[str, str]]:
        return [("hot", "s_2026-12-04"), ("cold", "s_2026-12-04")]


def test_the_daily_sweep_runs_in_parts_keyed_by_the_day() -> None:
    bus = _Bus()
    assert Backfill(_Sweeping(), _Contacts(["a"] * 2000), bus, "B", segments=2).sweep_segments() == 4
    assert {(p["workflow"], p["key"], p["kind"]) for p in bus.published} == {
        ("hot", "s_2026-12-04", "segment_sweep"),
        ("cold", "s_2026-12-04", "segment_sweep"),
    }
    swept = _Sweeping()
    Backfill(swept, _Contacts(["a"]), _Bus(), "B").run(BackfillPart(**bus.published[0]), lambda: 900)
    assert swept.swept == [("a", "s_2026-12-04")]


def test_the_forecast_s_contacts_split_into_segments_that_hold_everyone_once() -> None:
    contacts = MemoryContacts()
    for i in range(57):
        contacts.add(Contact(id=f"c{i}", email=f"c{i}@example.com", created_at=NOW, updated_at=NOW))
    seen: list[str] = []
    for segment in range(4):
        after: str | None = None
        while True:
            page, after = contacts.segment_page(segment, 4, after, 5)
            seen += [c.id for c in page]
            if after is None:
                break
    assert sorted(seen) == sorted(f"c{i}" for i in range(57))


def test_a_segment_workflow_of_your_own_enrols_exactly_the_contacts_its_segment_matches() -> None:
    """``bench.scale --workflow``: the catalog's re-engagement segment (on the newsletter, created
    over 90 days ago, no open or click in 90 days; the synthetic contacts have no events)."""
    document = json.loads((ROOT / "catalog" / "re-engagement" / "workflow.json").read_text())
    report = simulate_backfill(2000, segments=8, workflow=document)
    expected = 0
    for index in range(2000):
        contact = synthetic_contact(f"c_{index:08d}")
        created = datetime.fromisoformat(contact.created_at)
        expected += "newsletter" in contact.lists and created < TODAY - timedelta(days=90)
    assert 0 < expected < 2000
    assert report.matching == report.enrolled_contacts == expected
    assert (report.missing, report.duplicate_runs, report.unexpected) == (0, 0, 0)


def test_the_scale_simulation_refuses_a_workflow_it_cannot_backfill(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:  # an event trigger
        segment_workflow(ROOT / "catalog" / "cart-recovery" / "workflow.json")
    assert refused.value.code == 2
    assert capsys.readouterr().err.startswith("/trigger: ")
    broken = tmp_path / "broken.json"
    broken.write_text('{"id": "x", ')
    with pytest.raises(SystemExit) as refused:
        segment_workflow(broken)
    assert refused.value.code == 2
    assert "broken.json" in capsys.readouterr().err
