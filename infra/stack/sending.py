"""SES: the configuration set every send goes through, and its events routed to the track function."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.stack.config import StackConfig
from infra.stack.nag import acknowledge
from infra.stack.settings_env import set_env
from nurtureflow.settings import SendingSettings

CONFIGURATION_SET = "nurtureflow"
# Only what the track function turns into events: SEND is our own email_sent, and opens and clicks
# come from our signed pixel and links (SES's would count them twice and cost an invocation each).
SES_EVENTS = (
    ses.EmailSendingEvent.DELIVERY,
    ses.EmailSendingEvent.BOUNCE,
    ses.EmailSendingEvent.COMPLAINT,
    ses.EmailSendingEvent.REJECT,
    ses.EmailSendingEvent.DELIVERY_DELAY,
)


class Sending(Construct):
    """Configuration set ``nurtureflow`` with reputation metrics; its events reach ``track``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        event_sink: lambda_.IFunction,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self.configuration_set = ses.ConfigurationSet(
            self, "ConfigurationSet", configuration_set_name=CONFIGURATION_SET, reputation_metrics=True
        )
        # SES publishes to the default bus only (its EventBridge destination accepts no other).
        default_bus = events.EventBus.from_event_bus_name(self, "DefaultBus", "default")
        self.configuration_set.add_event_destination(
            "ToEventBridge", destination=ses.EventDestination.event_bus(default_bus), events=list(SES_EVENTS)
        )
        self.events_rule = events.Rule(
            self,
            "SesEventsToTrack",
            description="SES events of the nurtureflow configuration set -> track function",
            event_bus=default_bus,
            event_pattern=events.EventPattern(
                source=["aws.ses"],
                detail={"mail": {"tags": {"ses:configuration-set": [CONFIGURATION_SET]}}},
            ),
            targets=[targets.LambdaFunction(event_sink, dead_letter_queue=dead_letter_queue)],
        )

    def grant_send(self, function: lambda_.Function) -> None:
        """Send from the configured domain through the configuration set, and say so in settings.

        In the SES sandbox SES also authorises the caller against each recipient's identity: the
        verified recipients named in ``sesSandboxRecipients`` are granted one by one, never
        ``identity/*`` (which would let the role send as any identity of the account).
        """
        stack = Stack.of(self)
        domain = self._config.sender_domain

        def identity(name: str) -> str:
            return stack.format_arn(service="ses", resource="identity", resource_name=name)

        configuration_set = stack.format_arn(
            service="ses", resource="configuration-set", resource_name=CONFIGURATION_SET
        )
        iam.Grant.add_to_principal(
            grantee=function,
            actions=["ses:SendEmail", "ses:SendRawEmail"],
            resource_arns=[identity(domain), identity(f"*@{domain}"), configuration_set],
        )
        if self._config.ses_sandbox_recipients:
            iam.Grant.add_to_principal(
                grantee=function,
                actions=["ses:SendEmail", "ses:SendRawEmail"],
                resource_arns=[identity(name) for name in self._config.ses_sandbox_recipients],
            )
        if function.role is not None:
            acknowledge(
                function.role,
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:"
                f"identity/*@{domain}]",
                "Any address of the verified sender domain may be the From address (domain identity).",
            )
        set_env(
            function,
            SendingSettings,
            sender=self._config.sender,
            configuration_set=CONFIGURATION_SET,
            postal_address=self._config.postal_address,
        )
        if self._config.unsubscribe_mailbox is not None:
            set_env(function, SendingSettings, unsubscribe_mailbox=self._config.unsubscribe_mailbox)
