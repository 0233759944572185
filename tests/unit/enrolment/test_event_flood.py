"""A flood of tracked events against the quota models (``bench.event_flood``): StartExecution's token
bucket (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-api-action-throttling-general),
botocore's standard retries, and Lambda's two retries of a failed asynchronous invocation
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html). Every event ends
enrolled or in the failure queue, never both and never lost, and no contact gets two runs."""

from __future__ import annotations

from bench.event_flood import simulate_flood
from bench.scale import TokenBucket


def test_a_flood_above_the_start_rate_is_absorbed_by_the_retries() -> None:
    report = simulate_flood(2000, rate=1000.0)
    assert report.throttled > 0
    counts = (report.enrolled, report.dead_lettered, report.ghost_runs, report.duplicate_runs)
    assert counts == (2000, 0, 0, 0)
    # StartExecution's bucket sets the pace: never faster than its burst plus its refill.
    assert report.enrolled <= 1300 + 300.0 * report.simulated_seconds


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
