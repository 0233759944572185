"""The pruning rule for old Step Functions versions, over in-memory fakes.

AWS allows 1,000 published versions per state machine
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_PublishStateMachineVersion.html);
ListExecutions takes a version ARN
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html); deleting
a version an alias routes to is a ConflictException
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_DeleteStateMachineVersion.html).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.aws.stepfunctions import VersionInUseError
from nurtureflow.clock import VirtualClock
from nurtureflow.workflow.pruning import VersionPruner, version_number, versions_to_prune

MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:nurtureflow-drip"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _arn(number: int) -> str:
    return f"{MACHINE}:{number}"


class FakeMachineVersions:
    """Published versions of one machine, which of them have runs in flight, and what fails."""

    def __init__(
        self, count: int, running: frozenset[int] = frozenset(), aliased: frozenset[int] = frozenset()
    ) -> None:
        self.numbers = set(range(1, count + 1))
        self.running, self.aliased = set(running), set(aliased)
        self.failing: set[int] = set()
        self.listing_fails = False
        self.deleted: list[int] = []

    def published(self, machine_arn: str) -> list[str]:
        if self.listing_fails:
            raise RuntimeError("ThrottlingException")
        return [_arn(n) for n in sorted(self.numbers, reverse=True)]

    def running_on(self, version_arn: str) -> bool:
        return version_number(version_arn) in self.running

    def delete(self, version_arn: str) -> None:
        number = version_number(version_arn)
        if number in self.failing:
            raise RuntimeError("InternalFailure")
        if number in self.aliased:
            raise VersionInUseError(version_arn)
        self.numbers.discard(number)
        self.deleted.append(number)


class FakeRecords:
    def __init__(self) -> None:
        self.pruned: dict[int, str] = {}

    def mark_pruned(self, workflow_id: str, version: int, at: str) -> None:
        self.pruned[version] = at


class FakeAlarm:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def pruning_failed(self, workflow: str) -> None:
        self.failures.append(workflow)


def _pruner(
    machines: FakeMachineVersions, keep: int = 3, max_deletions: int = 25
) -> tuple[VersionPruner, FakeRecords, FakeAlarm]:
    records, alarm = FakeRecords(), FakeAlarm()
    pruner = VersionPruner(machines, records, keep, alarm, VirtualClock(NOW), max_deletions=max_deletions)
    return pruner, records, alarm


def test_the_newest_versions_are_kept_and_older_idle_ones_deleted_oldest_first() -> None:
    machines = FakeMachineVersions(8)
    pruner, records, alarm = _pruner(machines, keep=3)

    report = pruner.prune("drip", MACHINE, _arn(8))

    assert machines.deleted == report.deleted == [1, 2, 3, 4, 5]
    assert machines.numbers == {6, 7, 8}
    assert records.pruned == dict.fromkeys([1, 2, 3, 4, 5], NOW.isoformat())
    assert alarm.failures == []


def test_a_version_with_a_run_in_flight_survives() -> None:
    machines = FakeMachineVersions(8, running=frozenset({2}))
    pruner, records, _ = _pruner(machines, keep=3)

    report = pruner.prune("drip", MACHINE, _arn(8))

    assert report.kept_running == [2]
    assert machines.numbers == {2, 6, 7, 8}
    assert 2 not in records.pruned


def test_the_live_version_is_kept_even_when_it_is_not_the_newest() -> None:
    # Another upload published 9 meanwhile; this upload's record points at 5.
    machines = FakeMachineVersions(9)
    pruner, _, _ = _pruner(machines, keep=2)

    pruner.prune("drip", MACHINE, _arn(5))

    assert machines.numbers == {5, 8, 9}


def test_a_version_an_alias_still_routes_to_is_kept_without_alarm() -> None:
    machines = FakeMachineVersions(6, aliased=frozenset({1}))
    pruner, _, alarm = _pruner(machines, keep=3)

    report = pruner.prune("drip", MACHINE, _arn(6))

    assert (report.kept_in_use, report.deleted) == ([1], [2, 3])
    assert alarm.failures == []


def test_a_failed_deletion_is_counted_and_the_others_go_on() -> None:
    machines = FakeMachineVersions(6)
    machines.failing = {2}
    pruner, _, alarm = _pruner(machines, keep=3)

    report = pruner.prune("drip", MACHINE, _arn(6))

    assert (report.deleted, report.failed) == ([1, 3], [2])
    assert alarm.failures == ["drip"]


def test_a_failed_listing_prunes_nothing_and_does_not_raise() -> None:
    machines = FakeMachineVersions(20)
    machines.listing_fails = True
    pruner, _, alarm = _pruner(machines)

    report = pruner.prune("drip", MACHINE, _arn(20))

    assert report.listing_failed
    assert machines.deleted == []
    assert alarm.failures == ["drip"]


def test_one_upload_deletes_a_bounded_number_and_the_backlog_shrinks_upload_by_upload() -> None:
    machines = FakeMachineVersions(990)  # a workflow uploaded 990 times before pruning existed
    pruner, _, _ = _pruner(machines, keep=10, max_deletions=25)

    first = pruner.prune("drip", MACHINE, _arn(990))

    assert first.deleted == list(range(1, 26))
    assert len(machines.numbers) == 965


def test_keeping_fewer_than_one_version_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        VersionPruner(FakeMachineVersions(1), FakeRecords(), 0, FakeAlarm(), VirtualClock(NOW))


@given(
    published=st.sets(st.integers(min_value=1, max_value=60)),
    keep=st.integers(min_value=1, max_value=20),
    protected=st.sets(st.integers(min_value=1, max_value=60), max_size=3),
)
def test_the_rule_never_prunes_the_newest_nor_a_protected_version(
    published: set[int], keep: int, protected: set[int]
) -> None:
    pruned = versions_to_prune(published, keep, protected)

    newest = set(sorted(published, reverse=True)[:keep])
    assert not set(pruned) & (newest | protected)
    assert set(pruned) == published - newest - protected
    assert pruned == sorted(pruned)
