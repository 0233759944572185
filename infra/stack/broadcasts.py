"""The broadcast state machine (one for every broadcast), and who may start and stop its executions.

Its ASL comes from ``nurtureflow.broadcasts.definition``, the same the local stack runs. It is
named outside the ``nurtureflow-`` prefix on purpose: the admin function may create and update
state machines under that prefix, and must not be able to rewrite this one.
"""

from __future__ import annotations

import json

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.stack.nag import acknowledge, function_versions_finding
from infra.stack.settings_env import set_env
from nurtureflow.broadcasts.definition import broadcast_definition
from nurtureflow.settings import BroadcastSettings

NAME = "NurtureFlowBroadcasts"
LOG_GROUP = f"/aws/vendedlogs/states/{NAME}"
_FUNCTION = "${BroadcastFunctionArn}"


class Broadcasts(Construct):
    """The state machine, invoking only the broadcast function and starting only its own executions."""

    def __init__(self, scope: Construct, construct_id: str, *, function: lambda_.Function) -> None:
        super().__init__(scope, construct_id)
        # Step Functions delivers logs as vended logs: under /aws/vendedlogs/ its resource policy
        # stays within CloudWatch Logs' size limit however many log groups an account has.
        log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=LOG_GROUP,
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.machine = sfn.StateMachine(
            self,
            "Machine",
            state_machine_name=NAME,
            definition_body=sfn.DefinitionBody.from_string(json.dumps(broadcast_definition(_FUNCTION))),
            definition_substitutions={"BroadcastFunctionArn": function.function_arn},
            state_machine_type=sfn.StateMachineType.STANDARD,
            tracing_enabled=True,
            # Execution data names contacts: the log says what happened, not to whom.
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
        )
        function.grant_invoke(self.machine)
        self._grant_own_executions()
        acknowledge(
            self.machine.role,
            "AwsSolutions-IAM5[Resource::*]",
            "CloudWatch Logs delivery and X-Ray APIs used by Step Functions support no resource ARN.",
        )
        acknowledge(
            self.machine.role,
            function_versions_finding(function),
            "grant_invoke covers the function's versions (arn:*); the machine calls the unqualified ARN.",
        )

    def _grant_own_executions(self) -> None:
        """Its Distributed Map starts (and may describe and stop) a child execution per batch, and its
        last page of a generation starts the successor: both executions of this machine alone.

        Executions are ``execution:<machine>:<name>``: AWS's IAM example for Distributed Map and
        CDK's own grant (``StateMachine.grantExecution``) both allow ``execution:<machine>:*``.
        A map run's child executions also carry its label (``execution:<machine>/<label>:<id>``,
        the form CDK grants ``RedriveExecution`` on), which ``execution:<machine>/*`` keeps covering.
        The ARNs are formatted from the fixed name: the machine's own ARN attribute in its role's
        policy would make the machine depend on itself (it waits for the policy to exist).
        """
        stack = Stack.of(self)
        machine = stack.format_arn(
            service="states",
            resource="stateMachine",
            resource_name=NAME,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        executions = stack.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{NAME}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        children = stack.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{NAME}/*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.machine.add_to_role_policy(
            iam.PolicyStatement(actions=["states:StartExecution"], resources=[machine])
        )
        self.machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["states:DescribeExecution", "states:StopExecution"], resources=[executions, children]
            )
        )
        for pattern in (f"{NAME}:*", f"{NAME}/*"):
            acknowledge(
                self.machine.role,
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:"
                f"execution:{pattern}]",
                "A Distributed Map's child executions are named by Step Functions at run time; the "
                "statement covers only this machine's executions.",
            )

    def grant_start_and_cancel(self, function: lambda_.Function) -> None:
        """Start broadcasts and stop their executions (admin), and tell it which machine."""
        iam.Grant.add_to_principal(
            grantee=function,
            actions=["states:StartExecution"],
            resource_arns=[self.machine.state_machine_arn],
        )
        executions = Stack.of(self).format_arn(
            service="states",
            resource="execution",
            resource_name=f"{NAME}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        iam.Grant.add_to_principal(
            grantee=function, actions=["states:StopExecution"], resource_arns=[executions]
        )
        if function.role is not None:
            acknowledge(
                function.role,
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:"
                f"execution:{NAME}:*]",
                "Executions of the broadcast machine are named by broadcast id at run time.",
            )
        set_env(function, BroadcastSettings, broadcast_state_machine_arn=self.machine.state_machine_arn)
