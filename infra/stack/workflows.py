"""Workflow state machines: the role they run under, and who may create, run and resume them.

State machines are not in this stack: the admin API compiles each workflow to ASL and creates
``nurtureflow-<workflow>`` at run time. The name prefix is therefore the security boundary: every
Step Functions permission below is limited to it in this account and region.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.stack.nag import acknowledge, function_versions_finding
from infra.stack.settings_env import default_of, set_env
from nurtureflow.settings import WorkflowSettings

PREFIX: str = default_of(WorkflowSettings, "state_machine_prefix")
_COLON = ArnFormat.COLON_RESOURCE_NAME
_Kind = Literal["stateMachine", "execution"]

_RUN_ACTIONS = ("states:StartExecution",)
_EXECUTION_ACTIONS = ("states:StopExecution", "states:DescribeExecution", "states:GetExecutionHistory")
# Step Functions authorizes task-token callbacks against the state machine of the waiting task.
_CALLBACK_ACTIONS = ("states:SendTaskSuccess", "states:SendTaskFailure")
_MANAGE_ACTIONS = (
    "states:CreateStateMachine",
    "states:UpdateStateMachine",
    "states:DescribeStateMachine",
    "states:DeleteStateMachine",
    "states:PublishStateMachineVersion",
    "states:CreateStateMachineAlias",
    "states:UpdateStateMachineAlias",
    "states:DescribeStateMachineAlias",
    "states:ListStateMachineVersions",
    "states:ListExecutions",
    "states:TagResource",
    "states:ListTagsForResource",
)
# Pruning old versions after each upload (nurtureflow/workflow/pruning.py). Step Functions authorizes
# a version ARN (stateMachine:<name>:<n>) against its state machine's ARN, and the prefix wildcard
# below matches both (https://docs.aws.amazon.com/step-functions/latest/dg/auth-version-alias.html).
_PRUNE_ACTIONS = (
    "states:ListStateMachineVersions",
    "states:ListExecutions",
    "states:DeleteStateMachineVersion",
)
# What Step Functions needs to deliver execution logs and traces: these APIs take no resource ARN.
_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)
_PREFIX_REASON = (
    "State machines are created at run time by the admin API; the nurtureflow- name prefix in this "
    "account and region is the boundary, and their executions have generated names."
)


class Workflows(Construct):
    """The state-machine role, allowed to invoke only the given task functions."""

    def __init__(self, scope: Construct, construct_id: str, *, tasks: Sequence[lambda_.IFunction]) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        # "arn:...:stateMachine:nurtureflow-": what every workflow state machine's ARN starts with.
        self.state_machine_arn_prefix = stack.format_arn(
            service="states", resource="stateMachine", resource_name=PREFIX, arn_format=_COLON
        )
        self.role = iam.Role(
            self,
            "StateMachineRole",
            # Only state machines of this account may assume it (confused-deputy guard).
            assumed_by=iam.ServicePrincipal(
                "states.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
            description="Role of NurtureFlow workflow state machines",
        )
        for task in tasks:
            task.grant_invoke(self.role)  # the function and its versions (arn and arn:*)
        self.role.add_to_policy(iam.PolicyStatement(actions=list(_DELIVERY_ACTIONS), resources=["*"]))
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "CloudWatch Logs delivery and X-Ray APIs used by Step Functions support no resource ARN.",
        )
        for task in tasks:
            acknowledge(
                self.role,
                function_versions_finding(task),
                "Versions of the task function (arn:*): a workflow may pin the version it was built with.",
            )

    def grant_run(self, function: lambda_.Function) -> None:
        """Start, stop and inspect workflow executions, and resume waiting tasks (trigger)."""
        self._grant(function, _RUN_ACTIONS, "stateMachine")
        self._grant(function, _EXECUTION_ACTIONS, "execution")
        self.grant_callback(function)
        set_env(function, WorkflowSettings, state_machine_prefix=PREFIX)

    def grant_stop(self, function: lambda_.Function) -> None:
        """Stop workflow executions, and nothing else on them (admin: a contact's erasure)."""
        self._grant(function, ("states:StopExecution",), "execution")

    def grant_callback(self, function: lambda_.Function) -> None:
        """Resume a task waiting for a token (``.waitForTaskToken``)."""
        self._grant(function, _CALLBACK_ACTIONS, "stateMachine")

    def grant_manage(
        self, function: lambda_.Function, *, step: lambda_.IFunction, send: lambda_.IFunction
    ) -> None:
        """Create and update workflow state machines running under the role, and prune their old
        versions (admin)."""
        self._grant(function, _MANAGE_ACTIONS, "stateMachine")
        self._grant(function, _PRUNE_ACTIONS, "stateMachine")
        iam.Grant.add_to_principal(
            grantee=function,
            actions=["iam:PassRole"],
            resource_arns=[self.role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "states.amazonaws.com"}},
        )
        set_env(
            function,
            WorkflowSettings,
            state_machine_role_arn=self.role.role_arn,
            state_machine_prefix=PREFIX,
            step_function_arn=step.function_arn,
            send_function_arn=send.function_arn,
        )

    def _grant(self, function: lambda_.Function, actions: Sequence[str], kind: _Kind) -> None:
        """Allow ``actions`` on the state machines (their versions, aliases) or executions of the prefix."""
        arn = Stack.of(self).format_arn(
            service="states", resource=kind, resource_name=f"{PREFIX}*", arn_format=_COLON
        )
        iam.Grant.add_to_principal(grantee=function, actions=list(actions), resource_arns=[arn])
        if function.role is not None:
            acknowledge(
                function.role,
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:"
                f"{kind}:{PREFIX}*]",
                _PREFIX_REASON,
            )
