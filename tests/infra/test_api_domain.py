"""The API's public face: binary responses for any Accept header, and the optional custom domain
that puts tracked links, the open pixel and unsubscribe pages on the sender's own domain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Annotations, Match, Template
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import lint  # type: ignore[import-untyped]

from infra.stack import NurtureFlowStack
from infra.stack.config import ConfigError, StackConfig
from tests.infra.conftest import synth
from tests.infra.test_stack import _env, _flat, _logical_id, _resources

Json = dict[str, Any]
API_DOMAIN = "go.nurtureflow.internal"
ZONE = "Z0123456789ABCDEFGHIJ"
CERTIFICATE = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
LINK_SIGNERS = ("Track", "Send", "Admin", "Broadcast")


def _base_urls(stack: NurtureFlowStack, template_json: Json) -> dict[str, str]:
    return {
        f.node.id: _flat(_env(template_json, f)["NURTUREFLOW_PUBLIC_BASE_URL"])
        for f in stack.functions.all
        if f.node.id in LINK_SIGNERS
    }


def test_every_media_type_is_binary_so_the_pixel_is_binary_for_any_accept(template: Template) -> None:
    """API Gateway decides binary or text by the request's first Accept type (and Content-Type)
    against binaryMediaTypes; for clients whose Accept order we do not control, */* is AWS's advice:
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html.
    A consequence the handlers must honour: every request body reaches Lambda base64-encoded with
    isBase64Encoded true."""
    template.has_resource_properties("AWS::ApiGateway::RestApi", {"BinaryMediaTypes": ["*/*"]})


def test_without_a_custom_domain_links_use_the_stage_url(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    api = _logical_id(stack.api.rest_api)
    stage_url = f"https://<{api}>.execute-api.<AWS::Region>.<AWS::URLSuffix>/v1"
    assert set(_base_urls(stack, template_json).values()) == {stage_url}
    assert _flat(template_json["Outputs"]["ApiUrl"]["Value"]) == stage_url
    assert _resources(template_json, "AWS::ApiGateway::DomainName") == {}
    assert "ApiDomainRecord" not in template_json["Outputs"]


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"apiDomain": API_DOMAIN}, "exactly one of certificateArn and hostedZoneId"),
        ({"apiDomain": API_DOMAIN, "certificateArn": CERTIFICATE, "hostedZoneId": ZONE}, "exactly one"),
        ({"hostedZoneId": ZONE}, "need apiDomain"),
        ({"apiDomain": API_DOMAIN, "certificateArn": "arn:aws:iam::123456789012:role/x"}, "certificateArn"),
    ],
)
def test_a_custom_domain_needs_one_certificate_source(context: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        StackConfig.from_context(App(context={"senderDomain": "nurtureflow.internal", **context}).node)


# --- apiDomain with a Route 53 zone: the stack requests the certificate and writes the record -----


@pytest.fixture(scope="module")
def with_zone(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> NurtureFlowStack:
    return synth(str(tmp_path_factory.mktemp("cdk.out.zone")), apiDomain=API_DOMAIN, hostedZoneId=ZONE)


def test_a_hosted_zone_gets_a_dns_validated_certificate_and_an_alias_record(
    with_zone: NurtureFlowStack,
) -> None:
    """A regional custom domain needs an ACM certificate in the API's region; DNS validation in
    the given zone issues it without a console step:
    https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-regional-api-custom-domain-create.html"""
    template = Template.from_stack(with_zone)
    template.has_resource_properties(
        "AWS::CertificateManager::Certificate",
        {
            "DomainName": API_DOMAIN,
            "ValidationMethod": "DNS",
            "DomainValidationOptions": [{"DomainName": API_DOMAIN, "HostedZoneId": ZONE}],
        },
    )
    domain = next(iter(_resources(template.to_json(), "AWS::ApiGateway::DomainName")))
    template.has_resource_properties(
        "AWS::Route53::RecordSet",
        {
            "HostedZoneId": ZONE,
            "Name": API_DOMAIN,
            "Type": "A",
            "AliasTarget": {
                "DNSName": {"Fn::GetAtt": [domain, "RegionalDomainName"]},
                "HostedZoneId": {"Fn::GetAtt": [domain, "RegionalHostedZoneId"]},
            },
        },
    )


def test_the_custom_domain_maps_its_root_to_the_stage_and_links_use_it(with_zone: NurtureFlowStack) -> None:
    template = Template.from_stack(with_zone)
    template_json = template.to_json()
    template.has_resource_properties(
        "AWS::ApiGateway::DomainName",
        {
            "DomainName": API_DOMAIN,
            "EndpointConfiguration": {"Types": ["REGIONAL"]},
            "SecurityPolicy": "TLS_1_2",
        },
    )
    [mapping] = _resources(template_json, "AWS::ApiGateway::BasePathMapping").values()
    assert "BasePath" not in mapping["Properties"]  # the root: https://<apiDomain>/t/o/<token>
    assert mapping["Properties"]["RestApiId"] == {"Ref": _logical_id(with_zone.api.rest_api)}
    assert mapping["Properties"]["Stage"] == {"Ref": _logical_id(with_zone.api.rest_api.deployment_stage)}
    assert set(_base_urls(with_zone, template_json).values()) == {f"https://{API_DOMAIN}"}
    assert template_json["Outputs"]["ApiUrl"]["Value"] == f"https://{API_DOMAIN}"
    assert _flat(template_json["Outputs"]["ApiDomainRecord"]["Value"]).startswith(f"{API_DOMAIN} A ALIAS <")


def test_the_stack_with_a_custom_domain_passes_cdk_nag_and_cfn_lint(with_zone: NurtureFlowStack) -> None:
    report = AwsSolutionsChecks().validate_scope(with_zone)
    assert [v.rule_name for v in report.violations] == []
    assert Annotations.from_stack(with_zone).find_error("*", Match.any_value()) == []
    matches = lint(json.dumps(Template.from_stack(with_zone).to_json()), regions=["us-east-1", "eu-west-1"])
    assert [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")] == []


# --- apiDomain with an existing certificate: the operator publishes the CNAME --------------------


def test_an_existing_certificate_is_used_and_the_cname_to_publish_is_output(
    wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    stack = synth(
        str(tmp_path_factory.mktemp("cdk.out.cert")), apiDomain=API_DOMAIN, certificateArn=CERTIFICATE
    )
    template_json = Template.from_stack(stack).to_json()
    assert _resources(template_json, "AWS::CertificateManager::Certificate") == {}
    assert _resources(template_json, "AWS::Route53::RecordSet") == {}
    [domain_id] = _resources(template_json, "AWS::ApiGateway::DomainName")
    domain = template_json["Resources"][domain_id]["Properties"]
    assert domain["RegionalCertificateArn"] == CERTIFICATE
    record = _flat(template_json["Outputs"]["ApiDomainRecord"]["Value"])
    assert record == f"{API_DOMAIN} CNAME <{domain_id}.RegionalDomainName>"
    assert set(_base_urls(stack, template_json).values()) == {f"https://{API_DOMAIN}"}
