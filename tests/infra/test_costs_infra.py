"""The cost rollups table and the budget alarm: who may touch the rollups, and the alarm's metric."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from infra.stack import NurtureFlowStack
from nurtureflow.aws.metrics import BUDGET_EXCEEDED, NAMESPACE
from tests.infra.test_stack import _actions, _env, _flat, _logical_id, _resource_list, _role_id, _statements

Json = dict[str, Any]


def _actions_on(template_json: Json, function: lambda_.Function, table: Any) -> set[str]:
    arn = f"<{_logical_id(table)}.Arn>"
    return {
        action
        for statement in _statements(template_json, _role_id(template_json, function))
        if arn in {_flat(r) for r in _resource_list(statement)}
        for action in _actions(statement)
    }


def test_the_cost_report_reads_the_rollups_and_never_the_ledgers_lines(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    admin = stack.functions.admin
    assert _env(template_json, admin)["NURTUREFLOW_COST_ROLLUPS_TABLE"] == {
        "Ref": _logical_id(stack.data.cost_rollups)
    }
    rollups = _actions_on(template_json, admin, stack.data.cost_rollups)
    assert "dynamodb:Query" in rollups
    assert not {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"} & rollups
    assert _actions_on(template_json, admin, stack.data.ledger) == set()


def test_every_function_writing_cost_lines_may_add_to_the_rollups_and_only_send_reads_them(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    fns, data = stack.functions, stack.data
    for function in (fns.send, fns.track, fns.trigger):
        assert "dynamodb:PutItem" in _actions_on(template_json, function, data.ledger), function.node.id
        assert "dynamodb:UpdateItem" in _actions_on(template_json, function, data.cost_rollups), (
            function.node.id
        )
        assert "NURTUREFLOW_COST_ROLLUPS_TABLE" in _env(template_json, function)
    # The send function reads its workflow's month to date (the budget); the others only add.
    assert "dynamodb:Query" in _actions_on(template_json, fns.send, data.cost_rollups)
    for function in (fns.track, fns.trigger):
        assert "dynamodb:Query" not in _actions_on(template_json, function, data.cost_rollups)
    for function in (fns.send, fns.track, fns.trigger):
        assert "dynamodb:Query" not in _actions_on(template_json, function, data.ledger), function.node.id
    assert _actions_on(template_json, fns.step, data.cost_rollups) == set()


def test_an_alarm_fires_when_an_email_is_skipped_over_budget(
    stack: NurtureFlowStack, template: Template, template_json: Json
) -> None:
    service = _env(template_json, stack.functions.send)["POWERTOOLS_SERVICE_NAME"]
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": NAMESPACE,
            "MetricName": BUDGET_EXCEEDED,
            "Dimensions": [{"Name": "service", "Value": service}],
            "Statistic": "Sum",
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
        },
    )
