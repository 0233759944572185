"""The List-Unsubscribe mailbox: an SES receipt rule to the track function, only when configured."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import CfnElement, Stack
from aws_cdk.assertions import Annotations, Match, Template
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import lint  # type: ignore[import-untyped]

from infra.stack import NurtureFlowStack
from tests.infra.conftest import synth

MAILBOX = "unsubscribe@example.com"
Json = dict[str, Any]


@pytest.fixture(scope="module")
def configured(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> NurtureFlowStack:
    """The stack synthesised with ``-c unsubscribeMailbox=…`` (as typed, with capitals)."""
    outdir = str(tmp_path_factory.mktemp("cdk.out.mailbox"))
    return synth(outdir, unsubscribeMailbox="Unsubscribe@Example.com")


@pytest.fixture(scope="module")
def configured_json(configured: NurtureFlowStack) -> Json:
    value: Json = json.loads(json.dumps(Template.from_stack(configured).to_json()))
    return value


def _arn(function: Any) -> Json:
    element = function.node.default_child
    assert isinstance(element, CfnElement)
    return {"Fn::GetAtt": [Stack.of(element).resolve(element.logical_id), "Arn"]}


def _env(template_json: Json, function: Any) -> Json:
    logical_id = _arn(function)["Fn::GetAtt"][0]
    return template_json["Resources"][logical_id]["Properties"]["Environment"]["Variables"]  # type: ignore[no-any-return]


def _of_type(template_json: Json, kind: str) -> dict[str, Json]:
    return {k: r for k, r in template_json["Resources"].items() if r["Type"] == kind}


def test_without_a_mailbox_there_is_no_receipt_rule_nor_mailto(
    stack: NurtureFlowStack, template: Template, template_json: Json
) -> None:
    template.resource_count_is("AWS::SES::ReceiptRuleSet", 0)
    template.resource_count_is("AWS::SES::ReceiptRule", 0)
    assert not [
        p
        for p in _of_type(template_json, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "ses.amazonaws.com"
    ]
    assert stack.unsubscribe_mailbox is None
    assert all("NURTUREFLOW_UNSUBSCRIBE_MAILBOX" not in _env(template_json, f) for f in stack.functions.all)


def test_the_mailbox_s_scanned_mail_invokes_the_track_function_asynchronously(
    configured: NurtureFlowStack, configured_json: Json
) -> None:
    template = Template.from_json(configured_json)
    template.resource_count_is("AWS::SES::ReceiptRuleSet", 1)
    template.has_resource_properties("AWS::SES::ReceiptRuleSet", {"RuleSetName": "nurtureflow-inbound"})
    [rule] = _of_type(configured_json, "AWS::SES::ReceiptRule").values()
    assert rule["Properties"]["Rule"] == {
        "Name": "nurtureflow-unsubscribe-mailto",
        "Enabled": True,
        "Recipients": [MAILBOX],  # exactly the mailbox, nothing else of its domain
        "ScanEnabled": True,
        "Actions": [
            {"LambdaAction": {"FunctionArn": _arn(configured.functions.track), "InvocationType": "Event"}}
        ],
    }
    # The permission exists before SES checks it when the rule is created.
    [(permission_id, permission)] = [
        (k, p)
        for k, p in _of_type(configured_json, "AWS::Lambda::Permission").items()
        if p["Properties"]["Principal"] == "ses.amazonaws.com"
    ]
    assert permission["Properties"] == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": _arn(configured.functions.track),
        "Principal": "ses.amazonaws.com",
        "SourceAccount": {"Ref": "AWS::AccountId"},
    }
    assert permission_id in rule["DependsOn"]


def test_with_a_mailbox_both_senders_write_the_mailto(
    configured: NurtureFlowStack, configured_json: Json
) -> None:
    fns = configured.functions
    having = {
        f.node.id
        for f in fns.all
        if _env(configured_json, f).get("NURTUREFLOW_UNSUBSCRIBE_MAILBOX") == MAILBOX
    }
    assert having == {"Send", "Broadcast"}


def test_the_configured_stack_passes_cdk_nag_and_cfn_lint(
    configured: NurtureFlowStack, configured_json: Json
) -> None:
    report = AwsSolutionsChecks().validate_scope(configured)
    assert [v.rule_name for v in report.violations] == []
    assert Annotations.from_stack(configured).find_error("*", Match.any_value()) == []
    # Regions where SES receives mail (docs/sending.md).
    matches = lint(json.dumps(configured_json), regions=["us-east-1", "eu-west-1"])
    assert [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")] == []
