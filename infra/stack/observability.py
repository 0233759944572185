"""Alarms and one dashboard: function errors, the SES reputation rates that can pause sending, and
emails skipped over a workflow's monthly budget."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from nurtureflow.aws.metrics import BUDGET_EXCEEDED, NAMESPACE

# SES reviews an account at a 5% bounce rate and a 0.1% complaint rate: alarm before either.
BOUNCE_RATE_ALARM = 0.04
COMPLAINT_RATE_ALARM = 0.0008


def _reputation(metric: str) -> cloudwatch.Metric:
    # Account-level reputation metrics: the rates SES itself acts on.
    return cloudwatch.Metric(
        namespace="AWS/SES", metric_name=metric, statistic="Maximum", period=Duration.hours(1)
    )


class Observability(Construct):
    """Alarms (no actions: wire them to your paging) and the ``NurtureFlow`` dashboard."""

    def __init__(self, scope: Construct, construct_id: str, *, functions: Sequence[lambda_.Function]) -> None:
        super().__init__(scope, construct_id)
        self.alarms: list[cloudwatch.Alarm] = []
        error_widgets: list[cloudwatch.IWidget] = []
        for function in functions:
            name = function.node.id
            errors = function.metric_errors(period=Duration.minutes(5), statistic="Sum")
            self.alarms.append(
                errors.create_alarm(
                    self,
                    f"{name}Errors",
                    alarm_description=f"The {name.lower()} function failed",
                    threshold=1,
                    evaluation_periods=1,
                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )
            error_widgets.append(cloudwatch.GraphWidget(title=f"{name} errors", left=[errors], width=8))
        for metric, threshold in (
            ("Reputation.BounceRate", BOUNCE_RATE_ALARM),
            ("Reputation.ComplaintRate", COMPLAINT_RATE_ALARM),
        ):
            self.alarms.append(
                _reputation(metric).create_alarm(
                    self,
                    metric.replace(".", ""),
                    alarm_description=f"SES {metric} at {threshold:.2%}: SES may review or pause sending",
                    threshold=threshold,
                    evaluation_periods=1,
                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name="NurtureFlow")
        self.dashboard.add_widgets(*error_widgets)
        self.dashboard.add_widgets(cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24))

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
            period=Duration.minutes(5),
        )
        alarm = metric.create_alarm(
            self,
            "BudgetExceeded",
            alarm_description="An email was skipped: its workflow is over its monthly budget",
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.alarms.append(alarm)
        search = f'{{{NAMESPACE},service,workflow}} MetricName="{BUDGET_EXCEEDED}"'
        by_workflow = cloudwatch.MathExpression(
            expression=f"SEARCH('{search}', 'Sum', 300)",
            label="",
            period=Duration.minutes(5),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Emails skipped over budget, by workflow", left=[by_workflow], width=12
            ),
            cloudwatch.AlarmWidget(title="Budget alarm", alarm=alarm, width=12),
        )
        return alarm
