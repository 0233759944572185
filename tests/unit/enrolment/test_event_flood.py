"""A flood of tracked events against the quota models (``bench.event_flood``): StartExecution's token
bucket (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-api-action-throttling-general),
botocore's standard retries, and Lambda's two retries of a failed asynchronous invocation
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html). Every event ends
enrolled or in the failure queue, never both and never lost, and no contact gets two runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.event_flood import deployed_queue, event_workflow, simulate_flood, synthetic_event
from bench.scale import TokenBucket

ROOT = Path(__file__).resolve().parents[3]


def test_a_flood_above_the_start_rate_is_absorbed_by_the_retries() -> None:
    report = simulate_flood(2000, rate=1000.0)
    assert report.throttled > 0
    counts = (report.enrolled, report.dead_lettered, report.ghost_runs, report.duplicate_runs)
    assert counts == (2000, 0, 0, 0)
    # StartExecution's bucket sets the pace: never faster than its burst plus its refill.
    assert report.enrolled <= 1300 + 300.0 * report.simulated_seconds
    assert report.baseline_seconds == (2000 - 1300) / 300.0 <= report.simulated_seconds


def test_events_whose_every_retry_is_throttled_wait_in_the_failure_queue_with_their_run_claimed() -> None:
    """What the model found: under a sustained flood far above the start rate, an event whose three
    invocations are all throttled five times is dead-lettered, and its contact's run stays claimed
    with no execution until the event is redriven (the redriven event starts that same run)."""
    report = simulate_flood(500, rate=500.0, bucket=TokenBucket(10, 1.0))
    assert report.dead_lettered > 0
    assert report.enrolled + report.dead_lettered == 500
    assert report.ghost_runs == report.dead_lettered
    assert report.duplicate_runs == 0
    assert report.lambda_retries > 0


def test_through_the_intake_queue_the_same_flood_never_reaches_the_quota() -> None:
    """The fix (infra/stack/events.py): read from a queue by at most 50 invocations at once, the
    trigger starts executions below StartExecution's refill; the queue holds the rest."""
    report = simulate_flood(2000, rate=1000.0, intake=deployed_queue())
    counts = (report.enrolled, report.dead_lettered, report.ghost_runs, report.duplicate_runs)
    assert counts == (2000, 0, 0, 0)
    assert report.throttled == 0


def test_through_the_intake_queue_a_starved_quota_loses_far_fewer_events_to_the_failure_queue() -> None:
    """The flood that dead-lettered events above (a StartExecution bucket of 10 refilled at 1 a
    second, 1/300 of us-east-1's), through the queue: a message the trigger failed on is received
    again 30 minutes later, 5 times in all
    (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html), so most events
    enrol on a later receive. Still nothing lost: what is left waits in the queue's dead-letter
    queue with its run claimed, and no contact has two runs."""
    starved = TokenBucket(10, 1.0)
    direct = simulate_flood(500, rate=500.0, bucket=starved)
    queued = simulate_flood(500, rate=500.0, bucket=TokenBucket(10, 1.0), intake=deployed_queue())
    assert queued.enrolled + queued.dead_lettered == 500
    assert (queued.ghost_runs, queued.duplicate_runs) == (queued.dead_lettered, 0)
    assert queued.enrolled > 3 * direct.enrolled
    assert queued.dead_lettered < direct.dead_lettered / 3
    assert queued.lambda_retries > 0  # received again: the later receives did the work


def test_a_flood_into_a_workflow_of_your_own_enrols_exactly_the_events_its_trigger_takes() -> None:
    """``bench.event_flood --workflow``: the catalog's cart recovery takes a ``cart_updated`` whose
    ``value`` is at least 20."""
    document = json.loads((ROOT / "catalog" / "cart-recovery" / "workflow.json").read_text())
    report = simulate_flood(600, rate=300.0, intake=deployed_queue(), workflow=document)
    at = "2026-12-01T09:00:00+00:00"
    values = [
        synthetic_event(f"e_{i:08d}", "cart_updated", f"c_{i:08d}", at).properties["value"]
        for i in range(600)
    ]
    expected = sum(value >= 20 for value in values)
    assert 0 < expected < 600
    assert report.matching == report.enrolled == expected
    assert (report.unexpected, report.dead_lettered, report.duplicate_runs, report.ghost_runs) == (0, 0, 0, 0)


def test_the_flood_refuses_a_workflow_without_an_event_trigger(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:  # a segment
        event_workflow(ROOT / "catalog" / "re-engagement" / "workflow.json")
    assert refused.value.code == 2
    assert capsys.readouterr().err.startswith("/trigger: ")
