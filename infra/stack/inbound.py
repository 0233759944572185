"""SES receiving: mail to the List-Unsubscribe mailbox, handed to the track function.

Deployed only when the ``unsubscribeMailbox`` context is set. CloudFormation cannot activate a
receipt rule set, and an account has one active set per region: the operator activates this one
or copies its rule into theirs (docs/sending.md).
"""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ses as ses
from aws_cdk import aws_ses_actions as ses_actions
from constructs import Construct

RULE_SET_NAME = "nurtureflow-inbound"
RULE_NAME = "nurtureflow-unsubscribe-mailto"


class UnsubscribeMailbox(Construct):
    """A receipt rule set whose one rule sends scanned mail for ``mailbox`` to ``function``."""

    def __init__(
        self, scope: Construct, construct_id: str, *, mailbox: str, function: lambda_.IFunction
    ) -> None:
        super().__init__(scope, construct_id)
        self.rule_set = ses.ReceiptRuleSet(self, "RuleSet", receipt_rule_set_name=RULE_SET_NAME)
        self.rule = self.rule_set.add_rule(
            "UnsubscribeMailto",
            receipt_rule_name=RULE_NAME,
            recipients=[mailbox],
            # The verdicts the function refuses (virus, spam) exist only when SES scans the mail.
            scan_enabled=True,
            # Event: SES does not wait for the function. The action also grants ses.amazonaws.com
            # lambda:InvokeFunction on the function, limited to this account (SourceAccount).
            actions=[
                ses_actions.Lambda(function=function, invocation_type=ses_actions.LambdaInvocationType.EVENT)
            ],
        )
