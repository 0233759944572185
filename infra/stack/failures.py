"""Dead-letter queues: where an asynchronous invocation or an event delivery that failed is kept.

Lambda retries an asynchronous invocation twice, then hands the event (with the error) to the
function's on-failure destination; EventBridge and Scheduler retry delivering an event, then put
it on the target's dead-letter queue. Without them such an event is dropped silently: a
tracked event that never enrolled anyone, a bounce never recorded. Every queue is alarmed on
(``Observability.alarm_on_queues``); docs/deploy.md says how to read and redrive one.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.stack.nag import acknowledge

# SQS's longest retention: two weeks to notice the alarm and redrive.
RETENTION = Duration.days(14)


class DeadLetters(Construct):
    """One queue per asynchronously invoked function, and one for undelivered events."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.queues: dict[str, sqs.Queue] = {}
        # EventBridge rules' and Scheduler's targets: events that could not be delivered at all.
        self.undelivered_events = self._queue("UndeliveredEvents")
        # Tracked events the trigger function failed on at every receive from the intake queue.
        self.tracked_events_failed = self._queue("TrackedEventsFailed")

    def _queue(self, name: str) -> sqs.Queue:
        queue = sqs.Queue(
            self,
            name,
            # SQS-managed keys: EventBridge, Scheduler and Lambda may write without a key policy.
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=RETENTION,
            # Failed events are kept for inspection, not for ever: the stack's deletion removes them.
            removal_policy=RemovalPolicy.DESTROY,
        )
        acknowledge(
            queue,
            "AwsSolutions-SQS3",
            "This queue is itself a dead-letter queue (a Lambda on-failure destination, an "
            "EventBridge/Scheduler target DLQ or a queue's redrive target); nothing consumes it but an "
            "operator's redrive.",
        )
        self.queues[name] = queue
        return queue

    def on_failure(self, function: lambda_.Function) -> sqs.Queue:
        """Send ``function``'s failed asynchronous invocations to a queue of its own."""
        queue = self._queue(f"{function.node.id}AsyncFailures")
        # Lambda's defaults (two retries, events up to six hours old), written down.
        function.configure_async_invoke(
            on_failure=destinations.SqsDestination(queue),
            retry_attempts=2,
            max_event_age=Duration.hours(6),
        )
        return queue
