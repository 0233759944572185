"""cdk-nag acknowledgements: every one names its rule (and finding) and says why."""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnElement, Stack, Validations
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge ``rule`` (e.g. ``AwsSolutions-IAM5[Resource::*]``) on a construct and its children."""
    Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))


def function_versions_finding(function: lambda_.IFunction) -> str:
    """The IAM5 finding of ``grant_invoke``'s second resource: every version of ``function`` (arn:*)."""
    element = function.node.default_child
    assert isinstance(element, CfnElement)
    return f"AwsSolutions-IAM5[Resource::<{Stack.of(element).get_logical_id(element)}.Arn>:*]"
