"""The SES domain identity emails are sent from, and the DNS records the operator publishes for it.

Easy DKIM with 2048-bit keys signs every email with the sender's domain (DMARC alignment through
DKIM); the custom MAIL FROM domain (``bounce.<domain>`` by default) makes the Return-Path ours too
(alignment through SPF). CloudFormation cannot write the records into a DNS zone it does not
know, so the stack outputs them, one output per record: ``name TYPE value``. With context
``existingSesIdentity`` the identity (and its DKIM and MAIL FROM set-up) is the operator's, and
only the DMARC suggestion is output.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_ses as ses
from constructs import Construct

from infra.stack.config import StackConfig

# SES's feedback endpoint of the region receives the MAIL FROM domain's bounces (its MX).
MAIL_FROM_MX_PRIORITY = 10
SPF = "v=spf1 include:amazonses.com ~all"


@dataclass(frozen=True)
class DnsRecord:
    """One record to publish, as a DNS console asks for it (values may hold CDK tokens)."""

    output_id: str
    name: str
    type: str
    value: str
    description: str


class SenderIdentity(Construct):
    """The domain identity (unless it exists already) and its DNS records as stack outputs."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig) -> None:
        super().__init__(scope, construct_id)
        self.domain = config.sender_domain
        self.identity: ses.EmailIdentity | None = None
        records: list[DnsRecord] = []
        if not config.existing_ses_identity:
            self.identity = ses.EmailIdentity(
                self,
                "Domain",
                identity=ses.Identity.domain(self.domain),
                dkim_identity=ses.DkimIdentity.easy_dkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
                dkim_signing=True,
                mail_from_domain=config.mail_from_domain,
                # Until the MX is published SES keeps sending with its own MAIL FROM domain.
                mail_from_behavior_on_mx_failure=ses.MailFromBehaviorOnMxFailure.USE_DEFAULT_VALUE,
            )
            records += self._dkim_records(self.identity)
            region = Stack.of(self).region
            records += [
                DnsRecord(
                    "MailFromMxRecord",
                    config.mail_from_domain,
                    "MX",
                    f"{MAIL_FROM_MX_PRIORITY} feedback-smtp.{region}.amazonses.com",
                    "MAIL FROM domain: bounces come back to SES",
                ),
                DnsRecord(
                    "MailFromSpfRecord",
                    config.mail_from_domain,
                    "TXT",
                    f'"{SPF}"',
                    "MAIL FROM domain: SPF allows SES to send for it",
                ),
            ]
        records.append(
            DnsRecord(
                "DmarcRecord",
                f"_dmarc.{self.domain}",
                "TXT",
                f'"v=DMARC1; p=none; rua=mailto:{config.dmarc_report_email}"',
                "A starting DMARC policy (monitor only); tighten to quarantine once reports are clean",
            )
        )
        self.dns_records: tuple[DnsRecord, ...] = tuple(records)
        for record in self.dns_records:
            CfnOutput(
                Stack.of(self),
                record.output_id,
                value=f"{record.name} {record.type} {record.value}",
                description=f"DNS record to publish: {record.description}",
            )

    @staticmethod
    def _dkim_records(identity: ses.EmailIdentity) -> list[DnsRecord]:
        tokens = (
            (identity.dkim_dns_token_name1, identity.dkim_dns_token_value1),
            (identity.dkim_dns_token_name2, identity.dkim_dns_token_value2),
            (identity.dkim_dns_token_name3, identity.dkim_dns_token_value3),
        )
        return [
            DnsRecord(f"DkimRecord{n}", name, "CNAME", value, f"Easy DKIM key {n} of 3")
            for n, (name, value) in enumerate(tokens, start=1)
        ]
