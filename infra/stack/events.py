"""EventBridge: the ``nurtureflow`` bus of tracked events, and the rules that wake the trigger function."""

from __future__ import annotations

from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.stack.settings_env import default_of, set_env
from nurtureflow.settings import BusSettings

BUS_NAME: str = default_of(BusSettings, "event_bus_name")
TRACK_SOURCE = "nurtureflow.track"


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
    ) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "Bus", event_bus_name=BUS_NAME)
        # EventBridge's default retry policy (185 attempts over 24 h) absorbs throttling; what it
        # still cannot deliver goes to the dead-letter queue instead of being dropped.
        target = targets.LambdaFunction(trigger, dead_letter_queue=dead_letter_queue)
        self.tracked_rule = events.Rule(
            self,
            "TrackedToTrigger",
            description="Every tracked event -> trigger function (enrolment, goals, waits)",
            event_bus=self.bus,
            event_pattern=events.EventPattern(source=[TRACK_SOURCE]),
            targets=[target],
        )
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
