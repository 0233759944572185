"""The keys that sign tracking links, held in a Secrets Manager secret the stack generates.

The secret's value is the ``link_keys`` setting itself: a JSON object ``{key id: secret}``, created
as ``{"k1": <48 random characters>}``. The functions read settings from their environment only,
so the value reaches them through a CloudFormation dynamic reference, resolved at deploy time: it
never appears in the template or in cdk.out, but it is part of the functions' configuration
(encrypted at rest), readable by whoever may call ``lambda:GetFunctionConfiguration``.

To rotate: add a key to the secret (keep the old ones: links already sent are verified with
them), then deploy with context ``linkKeyId`` set to the new id. Changing ``linkKeyId`` is also
what makes CloudFormation resolve the secret again. The generated key's id is fixed on purpose:
a change to the generator would make CloudFormation regenerate the whole secret.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.stack.nag import acknowledge
from infra.stack.settings_env import as_json, set_env
from nurtureflow.settings import TrackingSettings

INITIAL_KEY_ID = "k1"


def keys_secret(
    scope: Construct, construct_id: str, *, description: str, key_id: str, no_rotation: str
) -> secretsmanager.Secret:
    """A secret ``{key_id: 48 random characters}`` that outlives the stack (what it signed is out
    in the world), with why it is never rotated automatically (``no_rotation``, for cdk-nag)."""
    secret = secretsmanager.Secret(
        scope,
        construct_id,
        description=description,
        generate_secret_string=secretsmanager.SecretStringGenerator(
            secret_string_template="{}",  # noqa: S106 (an empty JSON object, not a password)
            generate_string_key=key_id,
            exclude_punctuation=True,
            password_length=48,
        ),
        removal_policy=RemovalPolicy.RETAIN,
    )
    acknowledge(secret, "AwsSolutions-SMG4", no_rotation)
    return secret


class LinkKeys(Construct):
    """The secret (kept on stack deletion) and the id of the key that signs new links."""

    def __init__(
        self, scope: Construct, construct_id: str, *, link_key_id: str, link_hosts: list[str]
    ) -> None:
        super().__init__(scope, construct_id)
        self.link_key_id = link_key_id
        # What the keys may sign a redirect to (and what the click route still checks).
        self.link_hosts = link_hosts
        # Deleting the keys would break every tracking and unsubscribe link already sent.
        self.secret = keys_secret(
            self,
            "Secret",
            description="NurtureFlow tracking link signing keys: {key id: secret}",
            key_id=INITIAL_KEY_ID,
            no_rotation="Automatic rotation would invalidate links in emails already sent; keys are rotated "
            "by adding one and switching linkKeyId, old keys keep verifying.",
        )

    def configure(self, function: lambda_.Function, *, public_base_url: str) -> None:
        """Give ``function`` the tracking settings: base URL of the links, the signing keys and the
        hosts links may redirect to."""
        set_env(
            function,
            TrackingSettings,
            public_base_url=public_base_url,
            link_keys=self.secret.secret_value.unsafe_unwrap(),  # dynamic reference, see module doc
            link_key_id=self.link_key_id,
            link_hosts=as_json(self.link_hosts),
        )
