"""EventBridge Scheduler: the daily run of the trigger function (date triggers)."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.stack.nag import acknowledge, function_versions_finding
from nurtureflow.enrolment.dates import DAILY_RUN_UTC

DAILY_INPUT = {"action": "daily"}


class Schedules(Construct):
    """Invokes ``trigger`` with ``{"action": "daily"}`` every day at 06:00 UTC."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        trigger: lambda_.IFunction,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        # Our own role rather than the target's stack-wide one, so the acknowledgement stays narrow.
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            ),
        )
        self.daily = scheduler.Schedule(
            self,
            "Daily",
            description="Daily NurtureFlow run: date triggers",
            schedule=scheduler.ScheduleExpression.cron(
                minute=str(DAILY_RUN_UTC.minute), hour=str(DAILY_RUN_UTC.hour)
            ),
            target=scheduler_targets.LambdaInvoke(
                trigger,
                input=scheduler.ScheduleTargetInput.from_object(DAILY_INPUT),
                role=role,
                # A run more than six hours late is dropped: the next day's run picks its work up.
                max_event_age=Duration.hours(6),
                retry_attempts=10,
                # A run Scheduler could not deliver is kept (and alarmed on), not dropped.
                dead_letter_queue=dead_letter_queue,
            ),
        )
        acknowledge(
            role,
            function_versions_finding(trigger),
            "Scheduler's Lambda target grants the function and its versions (arn:*); it invokes $LATEST.",
        )
