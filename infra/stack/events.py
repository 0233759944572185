"""EventBridge: the ``nurtureflow`` bus of tracked events, and the rules that wake the trigger function.

Tracked events reach the trigger through an SQS queue, at most ``INTAKE_CONCURRENCY`` invocations at
once: a flood of events (a campaign landing) waits in the queue instead of running into
StartExecution's quota all at once, and an event the trigger failed on (its enrolment throttled past
every retry) is received again after the visibility timeout, ``MAX_RECEIVES`` times in all, then
kept in a dead-letter queue (docs/scale.md, "A flood of tracked events").
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.stack.settings_env import default_of, set_env
from nurtureflow.settings import BusSettings

BUS_NAME: str = default_of(BusSettings, "event_bus_name")
TRACK_SOURCE = "nurtureflow.track"
# Invocations reading the queue at once: about 250 enrolments a second, below StartExecution's 300
# (bench/event_flood.py); the queue holds the rest.
INTAKE_CONCURRENCY = 50
INTAKE_BATCH = 10
MAX_RECEIVES = 5
# Lambda's guidance: at least six times the function's timeout (the trigger's is 5 minutes).
INTAKE_VISIBILITY = Duration.minutes(30)


class Events(Construct):
    """Tracked events and workflow run status changes, both delivered to ``trigger``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        trigger: lambda_.IFunction,
        state_machine_arn_prefix: str,
        dead_letter_queue: sqs.IQueue,
        intake_failures: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "Bus", event_bus_name=BUS_NAME)
        self.intake = sqs.Queue(
            self,
            "TrackedIntake",
            encryption=sqs.QueueEncryption.SQS_MANAGED,  # EventBridge may write without a key policy
            enforce_ssl=True,
            visibility_timeout=INTAKE_VISIBILITY,
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=MAX_RECEIVES, queue=intake_failures),
        )
        trigger.add_event_source(
            sources.SqsEventSource(
                self.intake,
                batch_size=INTAKE_BATCH,
                max_concurrency=INTAKE_CONCURRENCY,
                report_batch_item_failures=True,  # one failed event is received again, not its batch
            )
        )
        # EventBridge's default retry policy (185 attempts over 24 h) absorbs throttling; what it
        # still cannot deliver goes to the dead-letter queue instead of being dropped.
        self.tracked_rule = events.Rule(
            self,
            "TrackedToTrigger",
            description="Every tracked event -> the trigger function's intake queue (enrolment, goals)",
            event_bus=self.bus,
            event_pattern=events.EventPattern(source=[TRACK_SOURCE]),
            targets=[targets.SqsQueue(self.intake, dead_letter_queue=dead_letter_queue)],
        )
        target = targets.LambdaFunction(trigger, dead_letter_queue=dead_letter_queue)
        self.status_rule = events.Rule(
            self,
            "RunStatusToTrigger",
            description="Status changes of nurtureflow- state machine executions -> trigger function",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=["Step Functions Execution Status Change"],
                detail={"stateMachineArn": events.Match.prefix(state_machine_arn_prefix)},
            ),
            targets=[target],
        )

    def grant_publish(self, function: lambda_.Function) -> None:
        """Let ``function`` put events on the bus, and tell it the bus's name."""
        self.bus.grant_put_events_to(function)
        set_env(function, BusSettings, event_bus_name=self.bus.event_bus_name)
