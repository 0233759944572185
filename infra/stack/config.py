"""What an operator chooses at deploy time, read from CDK context (``cdk.json`` or ``-c key=value``).

Context keys:

* ``senderDomain``: the SES domain identity the send function may send from (default
  ``example.com``); ``sender`` must be an address of that domain.
* ``sender``, ``postalAddress``: the From header and the postal address every email carries.
* ``linkKeyId``: the id of the key that signs tracking links (default ``k1``, the generated one).
  The keys themselves live in a Secrets Manager secret the stack creates (see ``link_keys.py``).
* ``roleTokenHashes``: ``{sha256 hex of a bearer token: role}`` for the admin API. Only hashes
  are stored, so context (and the Lambda environment) never holds a usable token.
* ``eventRetentionDays``: how long raw events are kept before DynamoDB's TTL removes them
  (default 400; see ``docs/privacy.md``).
* ``siteKeys``: ``{publishable site key: [allowed origins]}`` for the tracking API; public by
  design, like any browser key.
* ``unsubscribeMailbox``: the address of the ``List-Unsubscribe`` mailto (unset: no mailto). When
  set, emails carry the mailto and an SES receipt rule hands that mailbox's mail to the track
  function (``inbound.py``; docs/sending.md says what the operator sets up).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any

from constructs import Node

from nurtureflow.api.routes import ALL_ROLES
from nurtureflow.contacts.model import InvalidEmailError, normalise_email

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class ConfigError(ValueError):
    """A context value the stack cannot deploy with."""


@dataclass(frozen=True)
class StackConfig:
    sender_domain: str = "example.com"
    sender: str = "NurtureFlow <hello@example.com>"
    postal_address: str = "NurtureFlow, 1 Example Street, Springfield"
    link_key_id: str = "k1"
    role_token_hashes: dict[str, str] = field(default_factory=dict)
    site_keys: dict[str, list[str]] = field(default_factory=dict)
    event_retention_days: int = 400
    unsubscribe_mailbox: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.event_retention_days <= 3650:
            raise ConfigError(f"eventRetentionDays {self.event_retention_days} is not 1-3650")
        _, address = parseaddr(self.sender)
        if not address.lower().endswith("@" + self.sender_domain.lower()):
            raise ConfigError(
                f"sender {self.sender!r} is not an address of senderDomain {self.sender_domain!r}"
            )
        for digest, role in self.role_token_hashes.items():
            if not _SHA256_HEX.match(digest) or role not in ALL_ROLES:
                raise ConfigError(
                    f"roleTokenHashes: {digest!r} -> {role!r} is not sha256-hex -> one of {ALL_ROLES}"
                )
        if self.unsubscribe_mailbox is not None:
            try:
                normalise_email(self.unsubscribe_mailbox)
            except InvalidEmailError as error:
                raise ConfigError(f"unsubscribeMailbox {self.unsubscribe_mailbox!r}: {error}") from None

    @classmethod
    def from_context(cls, node: Node) -> StackConfig:
        domain = str(node.try_get_context("senderDomain") or cls.sender_domain)
        return cls(
            sender_domain=domain,
            sender=str(node.try_get_context("sender") or f"NurtureFlow <hello@{domain}>"),
            postal_address=str(node.try_get_context("postalAddress") or cls.postal_address),
            link_key_id=str(node.try_get_context("linkKeyId") or cls.link_key_id),
            role_token_hashes=_mapping(node, "roleTokenHashes"),
            site_keys=_mapping(node, "siteKeys"),
            event_retention_days=_days(node, "eventRetentionDays", cls.event_retention_days),
            unsubscribe_mailbox=str(node.try_get_context("unsubscribeMailbox") or "").strip().lower() or None,
        )


def _days(node: Node, key: str, default: int) -> int:
    value = node.try_get_context(key)
    return default if value is None or value == "" else int(value)


def _mapping(node: Node, key: str) -> dict[str, Any]:
    # `cdk -c key='{"a": "b"}'` passes a string; cdk.json passes an object.
    value = node.try_get_context(key)
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, dict):
        raise ConfigError(f"context {key} must be a JSON object")
    return value
