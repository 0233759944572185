"""Webhook steps: the EventBridge connections Step Functions' HTTP Task calls through, what the
state-machine role may call with them, and the keys that sign the payloads.

A connection holds the receiver's API key (EventBridge keeps it in a Secrets Manager secret of its
own, ``events!connection/…``); NurtureFlow's code never sees it. The role may invoke HTTP endpoints
only under each connection's ``baseUrl`` and only with the methods a webhook step uses, the
conditions of the AWS page "Call HTTPS APIs in Step Functions workflows":
https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html

The signing keys are a generated secret ``{key id: key}``, handed to the step function through a
dynamic reference, as the link keys are (``link_keys.py``). Nothing is created when the deployment
has no connection.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import SecretValue, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.stack.config import WebhookConnectionConfig
from infra.stack.link_keys import keys_secret
from infra.stack.nag import acknowledge
from infra.stack.settings_env import set_env
from nurtureflow.settings import WebhookSettings

SIGNING_KEY_ID = "w1"
METHODS = ["POST", "PUT", "PATCH"]  # what a webhook step may use (the language's `method`)


class Webhooks(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        connections: Mapping[str, WebhookConnectionConfig],
        role: iam.IRole,
        state_machine_arn_prefix: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.configured = dict(connections)
        self.connections: dict[str, events.Connection] = {}
        self.signing_keys: secretsmanager.Secret | None = None
        if not connections:
            return
        for name, spec in sorted(connections.items()):
            connection = events.Connection(
                self,
                f"Connection-{name}",
                description=f"NurtureFlow webhooks to {spec.base_url}",
                authorization=events.Authorization.api_key(
                    spec.api_key_name, SecretValue.secrets_manager(spec.secret_name, json_field="apiKey")
                ),
            )
            self.connections[name] = connection
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["events:RetrieveConnectionCredentials"], resources=[connection.connection_arn]
                )
            )
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                    resources=[connection.connection_secret_arn],
                )
            )
        # One statement for every workflow state machine: the endpoints under the connections'
        # base URLs, with the webhook methods.
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["states:InvokeHTTPEndpoint"],
                resources=[f"{state_machine_arn_prefix}*"],
                conditions={
                    "StringLike": {"states:HTTPEndpoint": [f"{s.base_url}*" for s in connections.values()]},
                    "StringEquals": {"states:HTTPMethod": METHODS},
                },
            )
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:"
            "stateMachine:nurtureflow-*]",
            "Workflow state machines are created at run time; the call is held to the connections' base "
            "URLs and the webhook methods by the statement's conditions.",
        )
        # Receivers verify with these keys: deleting them breaks every integration at once.
        self.signing_keys = keys_secret(
            self,
            "SigningKeys",
            description="NurtureFlow webhook signing keys: {key id: secret}",
            key_id=SIGNING_KEY_ID,
            no_rotation="Receivers hold a copy of the key: keys are rotated by adding one, which receivers "
            "accept before the stack signs with it (docs/webhooks.md).",
        )

    def configure_signer(self, function: lambda_.Function) -> None:
        """The step function signs webhook bodies with the newest key."""
        if self.signing_keys is not None:
            set_env(
                function,
                WebhookSettings,
                webhook_keys=self.signing_keys.secret_value.unsafe_unwrap(),  # dynamic reference
                webhook_key_id=SIGNING_KEY_ID,
            )

    def configure_compiler(self, function: lambda_.Function) -> None:
        """The admin function compiles webhook steps with the connections' ARNs and base URLs."""
        if not self.connections:
            return
        described = {
            name: {"arn": connection.connection_arn, "base_url": self.configured[name].base_url}
            for name, connection in self.connections.items()
        }
        set_env(function, WebhookSettings, webhook_connections=Stack.of(self).to_json_string(described))
