"""Alarms, the SNS topic they notify, and one dashboard showing them.

Alarmed on: each function's errors and throttles, each dead-letter queue's visible messages,
failed and timed-out executions (workflow runs, broadcasts), the SES reputation rates at which
SES reviews the account, and emails skipped over a workflow's monthly budget. Aborted executions
are graphed, not alarmed on: NurtureFlow aborts runs itself (a goal reached, a contact erased, a
workflow archived, a broadcast cancelled), so an abort is not a fault.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from nurtureflow.aws.metrics import BUDGET_EXCEEDED, NAMESPACE, VERSION_PRUNING_FAILED

# SES puts an account under review at a 5% bounce rate and a 0.1% complaint rate.
BOUNCE_RATE_ALARM = 0.05
COMPLAINT_RATE_ALARM = 0.001
PERIOD = Duration.minutes(5)
_AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
_NOT_BREACHING = cloudwatch.TreatMissingData.NOT_BREACHING


def _reputation(metric: str) -> cloudwatch.Metric:
    # Account-level reputation metrics: the rates SES itself acts on.
    return cloudwatch.Metric(
        namespace="AWS/SES", metric_name=metric, statistic="Maximum", period=Duration.hours(1)
    )


class Observability(Construct):
    """The ``NurtureFlow`` dashboard, and alarms notifying the ``alarms`` topic."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Sequence[lambda_.Function],
        alarm_email: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.alarms: list[cloudwatch.Alarm] = []
        self.topic = self._topic(alarm_email)
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name="NurtureFlow")
        for function in functions:
            self._alarm_on_function(function)
        reputation: list[cloudwatch.IWidget] = []
        for metric, threshold in (
            ("Reputation.BounceRate", BOUNCE_RATE_ALARM),
            ("Reputation.ComplaintRate", COMPLAINT_RATE_ALARM),
        ):
            alarm = self._alarm(
                metric.replace(".", ""),
                _reputation(metric),
                threshold,
                f"SES {metric} at {threshold:.1%}: SES reviews the account (and may pause sending)",
            )
            reputation.append(cloudwatch.AlarmWidget(title=f"SES {metric}", alarm=alarm, width=12))
        self.dashboard.add_widgets(*reputation)

    def _topic(self, alarm_email: str | None) -> sns.Topic:
        # CloudWatch can publish to an encrypted topic only with a customer managed key it may use.
        key = kms.Key(
            self,
            "AlarmsKey",
            description="NurtureFlow alarms topic",
            enable_key_rotation=True,
            pending_window=Duration.days(7),
            removal_policy=RemovalPolicy.DESTROY,
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
            )
        )
        topic = sns.Topic(self, "Alarms", display_name="NurtureFlow alarms", master_key=key, enforce_ssl=True)
        stack = Stack.of(self)
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="cloudwatch",
                            resource="alarm",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    }
                },
            )
        )
        if alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        return topic

    def _alarm(
        self, construct_id: str, metric: cloudwatch.IMetric, threshold: float, description: str
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            alarm_description=description,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=_AT_LEAST,
            treat_missing_data=_NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        self.alarms.append(alarm)
        return alarm

    def _alarm_on_function(self, function: lambda_.Function) -> None:
        name = function.node.id
        errors = function.metric_errors(period=PERIOD, statistic="Sum")
        throttles = function.metric_throttles(period=PERIOD, statistic="Sum")
        self._alarm(f"{name}Errors", errors, 1, f"The {name.lower()} function failed")
        self._alarm(f"{name}Throttles", throttles, 1, f"The {name.lower()} function was throttled")
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(title=f"{name}: errors, throttles", left=[errors, throttles], width=8)
        )

    def alarm_on_queues(self, queues: Mapping[str, sqs.IQueue]) -> None:
        """Alarm as soon as a dead-letter queue holds a message."""
        widgets: list[cloudwatch.IWidget] = []
        for name, queue in queues.items():
            visible = queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum")
            self._alarm(f"{name}Messages", visible, 1, f"Dead-letter queue {name} holds failed events")
            widgets.append(cloudwatch.GraphWidget(title=f"{name}: messages", left=[visible], width=8))
        self.dashboard.add_widgets(*widgets)

    def alarm_on_broadcasts(self, machine: sfn.StateMachine) -> None:
        """Failed and timed-out broadcast executions (aborted ones are cancelled broadcasts)."""
        failed = machine.metric_failed(period=PERIOD, statistic="Sum")
        timed_out = machine.metric_timed_out(period=PERIOD, statistic="Sum")
        aborted = machine.metric_aborted(period=PERIOD, statistic="Sum")
        self._alarm("BroadcastsFailed", failed, 1, "A broadcast execution failed")
        self._alarm("BroadcastsTimedOut", timed_out, 1, "A broadcast execution timed out")
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Broadcast executions: failed, timed out, aborted",
                left=[failed, timed_out, aborted],
                width=12,
            )
        )

    def alarm_on_workflow_runs(self, *, except_machine_arn: str) -> None:
        """Failed and timed-out workflow runs.

        Workflow state machines are created at run time, so no alarm can name them: a Metrics
        Insights query sums the per-machine series of every state machine in the account and
        region except the broadcast machine (alarmed on by itself). Metrics Insights filters by
        exact value only (``=``, ``!=``), not by the ``nurtureflow-`` prefix.
        """
        widgets: list[cloudwatch.IWidget] = []
        for metric, label, alarmed in (
            ("ExecutionsFailed", "failed", True),
            ("ExecutionsTimedOut", "timed out", True),
            ("ExecutionsAborted", "aborted", False),
        ):
            query = cloudwatch.MathExpression(
                expression=(
                    f'SELECT SUM({metric}) FROM SCHEMA("AWS/States", StateMachineArn) '  # noqa: S608 (CloudWatch)
                    f"WHERE StateMachineArn != '{except_machine_arn}'"
                ),
                label=f"Workflow runs {label}",
                period=PERIOD,
            )
            if alarmed:
                self._alarm(
                    f"WorkflowRuns{metric.removeprefix('Executions')}", query, 1, f"A workflow run {label}"
                )
            widgets.append(cloudwatch.GraphWidget(title=f"Workflow runs {label}", left=[query], width=8))
        self.dashboard.add_widgets(*widgets)

    def alarm_on_budgets(self, send_service: str) -> cloudwatch.Alarm:
        """Alarm when any email is skipped over its workflow's budget. The send function emits
        ``NurtureFlow/BudgetExceeded`` by workflow and once more for the function as a whole (its
        ``service``, ``POWERTOOLS_SERVICE_NAME``): an alarm needs exact dimensions, so it watches
        the second; the dashboard graphs the first, workflow by workflow."""
        metric = cloudwatch.Metric(
            namespace=NAMESPACE,
            metric_name=BUDGET_EXCEEDED,
            dimensions_map={"service": send_service},
            statistic="Sum",
            period=PERIOD,
        )
        alarm = self._alarm(
            "BudgetExceeded", metric, 1, "An email was skipped: its workflow is over its monthly budget"
        )
        search = f'{{{NAMESPACE},service,workflow}} MetricName="{BUDGET_EXCEEDED}"'
        by_workflow = cloudwatch.MathExpression(
            expression=f"SEARCH('{search}', 'Sum', 300)",
            label="",
            period=PERIOD,
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Emails skipped over budget, by workflow", left=[by_workflow], width=12
            ),
            cloudwatch.AlarmWidget(title="Budget alarm", alarm=alarm, width=12),
        )
        return alarm

    def alarm_on_version_pruning(self, admin_service: str) -> cloudwatch.Alarm:
        """Alarm when an upload could not prune old state machine versions: the upload went on, but
        a machine that keeps failing to prune reaches Step Functions' 1,000 versions and then every
        upload of that workflow fails (docs/workflow-compilation.md, "Versions")."""
        metric = cloudwatch.Metric(
            namespace=NAMESPACE,
            metric_name=VERSION_PRUNING_FAILED,
            dimensions_map={"service": admin_service},
            statistic="Sum",
            period=PERIOD,
        )
        return self._alarm(
            "VersionPruningFailed", metric, 1, "An upload could not delete old state machine versions"
        )

    def add_alarm_status(self) -> None:
        """The dashboard's last row: every alarm's state (call once, after every ``alarm_on_*``)."""
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms), width=24)
        )
