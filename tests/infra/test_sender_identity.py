"""The sender's domain: required and real, its SES identity (Easy DKIM, MAIL FROM), the DNS records
to publish, and what the senders may send as, in and out of the SES sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Annotations, Match, Template
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import lint  # type: ignore[import-untyped]

from infra.app import build_app
from infra.stack import NurtureFlowStack
from infra.stack.config import ConfigError, StackConfig
from tests.infra.conftest import SENDER_DOMAIN, synth
from tests.infra.test_stack import _actions, _flat, _resource_list, _resources, _role_id, _statements

Json = dict[str, Any]
ROOT = Path(__file__).resolve().parents[2]


def _outputs(template_json: Json) -> dict[str, str]:
    return {k: _flat(o["Value"]) for k, o in template_json.get("Outputs", {}).items()}


# --- the sender domain is required, and never a reserved example name ---------------------------


@pytest.mark.parametrize(
    "domain",
    ["example.com", "mail.example.org", "EXAMPLE.NET", "shop.example", "acme.test", "x.invalid", "localhost"],
)
def test_a_reserved_example_domain_is_refused_naming_the_context_key(domain: str) -> None:
    """RFC 2606 and RFC 6761 reserve these names: nobody can verify them in SES."""
    with pytest.raises(ConfigError, match="senderDomain"):
        StackConfig.from_context(App(context={"senderDomain": domain}).node)


def test_synth_without_a_sender_domain_stops_at_cdk_json_s_placeholder() -> None:
    """``cdk synth`` with cdk.json alone (its senderDomain is example.com) refuses, naming the key."""
    assert json.loads((ROOT / "cdk.json").read_text())["context"]["senderDomain"] == "example.com"
    with pytest.raises(ConfigError, match=r"senderDomain 'example\.com' is a reserved example name"):
        build_app(outdir=None)
    with pytest.raises(ConfigError, match="context senderDomain is not set"):
        StackConfig.from_context(App().node)


def test_make_synth_passes_the_sender_domain_from_a_makefile_variable() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "SENDER_DOMAIN ?=" in makefile
    assert "-c senderDomain=$(SENDER_DOMAIN)" in makefile


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"mailFromSubdomain": "bounce.mail"}, "mailFromSubdomain"),
        ({"dmarcReportEmail": "not an address"}, "dmarcReportEmail"),
        ({"sesSandboxRecipients": '["ok@acme.internal", "nope"]'}, "sesSandboxRecipients"),
        ({"existingSesIdentity": "yes"}, "existingSesIdentity"),
    ],
)
def test_identity_options_are_checked(context: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        StackConfig.from_context(App(context={"senderDomain": "acme.internal", **context}).node)


def test_identity_options_default_to_bounce_and_postmaster() -> None:
    config = StackConfig.from_context(App(context={"senderDomain": "Mail.Acme.internal."}).node)
    assert config.sender_domain == "mail.acme.internal"
    assert config.mail_from_domain == "bounce.mail.acme.internal"
    assert config.dmarc_report_email == "postmaster@mail.acme.internal"
    assert config.existing_ses_identity is False
    assert config.ses_sandbox_recipients == ()
    listed = App(
        context={"senderDomain": "acme.internal", "sesSandboxRecipients": "A@b.internal, c.internal"}
    )
    assert StackConfig.from_context(listed.node).ses_sandbox_recipients == ("a@b.internal", "c.internal")


# --- the identity and its records ---------------------------------------------------------------


def test_the_domain_identity_signs_with_2048_bit_easy_dkim_and_its_own_mail_from(template: Template) -> None:
    """Easy DKIM and a custom MAIL FROM domain align DKIM and SPF with the From domain, as DMARC
    (and Gmail's and Yahoo's sender rules) ask: /work/shared/reference/aws-and-mailbox-facts.md.
    UseDefaultValue keeps sending (from amazonses.com) until the MX is published:
    https://docs.aws.amazon.com/ses/latest/APIReference/API_SetIdentityMailFromDomain.html"""
    template.resource_count_is("AWS::SES::EmailIdentity", 1)
    template.has_resource_properties(
        "AWS::SES::EmailIdentity",
        {
            "EmailIdentity": SENDER_DOMAIN,
            "DkimAttributes": {"SigningEnabled": True},
            "DkimSigningAttributes": {"NextSigningKeyLength": "RSA_2048_BIT"},
            "MailFromAttributes": {
                "MailFromDomain": f"bounce.{SENDER_DOMAIN}",
                "BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
            },
        },
    )


def test_the_dns_records_to_publish_are_outputs(template_json: Json) -> None:
    """Three DKIM CNAMEs; the MAIL FROM domain's MX (SES's feedback endpoint of the region) and its
    SPF TXT, which SetIdentityMailFromDomain says must be published:
    https://docs.aws.amazon.com/ses/latest/APIReference/API_SetIdentityMailFromDomain.html;
    and a monitoring (p=none) DMARC record."""
    outputs = _outputs(template_json)
    identity = next(iter(_resources(template_json, "AWS::SES::EmailIdentity")))
    for n in (1, 2, 3):
        assert outputs[f"DkimRecord{n}"] == (
            f"<{identity}.DkimDNSTokenName{n}> CNAME <{identity}.DkimDNSTokenValue{n}>"
        )
    assert outputs["MailFromMxRecord"] == (
        f"bounce.{SENDER_DOMAIN} MX 10 feedback-smtp.<AWS::Region>.amazonses.com"
    )
    assert outputs["MailFromSpfRecord"] == f'bounce.{SENDER_DOMAIN} TXT "v=spf1 include:amazonses.com ~all"'
    assert outputs["DmarcRecord"] == (
        f'_dmarc.{SENDER_DOMAIN} TXT "v=DMARC1; p=none; rua=mailto:postmaster@{SENDER_DOMAIN}"'
    )


def test_outside_the_sandbox_the_senders_need_no_recipient_identity(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    for function in (stack.functions.send, stack.functions.broadcast):
        ses = [
            _flat(r)
            for s in _statements(template_json, _role_id(template_json, function))
            if any(a.startswith("ses:") for a in _actions(s))
            for r in _resource_list(s)
        ]
        assert sorted(r.rsplit(":", 1)[1] for r in ses) == [
            "configuration-set/nurtureflow",
            f"identity/*@{SENDER_DOMAIN}",
            f"identity/{SENDER_DOMAIN}",
        ]


# --- an existing identity, sandbox recipients, another MAIL FROM --------------------------------


@pytest.fixture(scope="module")
def existing(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> NurtureFlowStack:
    return synth(
        str(tmp_path_factory.mktemp("cdk.out.identity")),
        existingSesIdentity="true",
        sesSandboxRecipients='["Tester@Acme.internal", "qa.acme.internal"]',
        dmarcReportEmail="dmarc@acme.internal",
    )


def test_an_existing_identity_is_used_not_created(existing: NurtureFlowStack) -> None:
    template_json = Template.from_stack(existing).to_json()
    assert _resources(template_json, "AWS::SES::EmailIdentity") == {}
    outputs = _outputs(template_json)
    assert not {"DkimRecord1", "MailFromMxRecord", "MailFromSpfRecord"} & set(outputs)
    assert outputs["DmarcRecord"].endswith('rua=mailto:dmarc@acme.internal"')


def test_sandbox_recipients_are_granted_one_by_one_never_every_identity(existing: NurtureFlowStack) -> None:
    """In the sandbox SES also checks the caller's permission on the recipient's identity (a send to
    a verified address fails with "not authorized to perform ses:SendRawEmail on resource
    …identity/<recipient>"): https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html.
    Only the listed identities are added; identity/* would let the role send as any identity."""
    template_json = Template.from_stack(existing).to_json()
    for function in (existing.functions.send, existing.functions.broadcast):
        resources = {
            _flat(r).rsplit(":", 1)[1]
            for s in _statements(template_json, _role_id(template_json, function))
            if "ses:SendRawEmail" in _actions(s)
            for r in _resource_list(s)
        }
        assert {"identity/tester@acme.internal", "identity/qa.acme.internal"} <= resources
        assert "identity/*" not in resources


def test_the_stack_with_an_existing_identity_passes_cdk_nag_and_cfn_lint(existing: NurtureFlowStack) -> None:
    report = AwsSolutionsChecks().validate_scope(existing)
    assert [v.rule_name for v in report.violations] == []
    assert Annotations.from_stack(existing).find_error("*", Match.any_value()) == []
    matches = lint(json.dumps(Template.from_stack(existing).to_json()), regions=["us-east-1", "eu-west-1"])
    assert [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")] == []
