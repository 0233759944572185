"""Deploy-time choices read from CDK context, checked before anything is synthesised."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from aws_cdk import App

from infra.stack.config import ConfigError, StackConfig


def _config(**context: Any) -> StackConfig:
    return StackConfig.from_context(App(context={"senderDomain": "acme.internal", **context}).node)


def test_defaults_send_as_hello_at_the_sender_domain() -> None:
    config = _config(senderDomain="acme.internal")
    assert config.sender == "NurtureFlow <hello@acme.internal>"
    assert config.link_key_id == "k1"
    assert config.role_token_hashes == {}


def test_a_sender_outside_the_sender_domain_is_refused() -> None:
    with pytest.raises(ConfigError, match="senderDomain"):
        _config(senderDomain="acme.internal", sender="Shop <hi@other.internal>")


def test_role_token_hashes_may_come_from_the_command_line_as_json() -> None:
    digest = hashlib.sha256(b"token").hexdigest()
    assert _config(roleTokenHashes=f'{{"{digest}": "finance"}}').role_token_hashes == {digest: "finance"}


@pytest.mark.parametrize(
    "hashes",
    [{"not-a-digest": "admin"}, {hashlib.sha256(b"t").hexdigest(): "owner"}],
    ids=["plain-token", "unknown-role"],
)
def test_role_token_hashes_must_be_sha256_digests_of_known_roles(hashes: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="roleTokenHashes"):
        _config(roleTokenHashes=hashes)


def test_event_retention_defaults_to_400_days_and_may_be_set() -> None:
    assert _config().event_retention_days == 400
    assert _config(eventRetentionDays="30").event_retention_days == 30
    with pytest.raises(ConfigError, match="eventRetentionDays"):
        _config(eventRetentionDays=0)


def test_the_unsubscribe_mailbox_is_optional_and_must_be_an_address() -> None:
    assert _config().unsubscribe_mailbox is None
    assert _config(unsubscribeMailbox="").unsubscribe_mailbox is None
    assert (
        _config(unsubscribeMailbox=" Unsubscribe@Acme.example ").unsubscribe_mailbox
        == "unsubscribe@acme.example"
    )
    with pytest.raises(ConfigError, match="unsubscribeMailbox"):
        _config(unsubscribeMailbox="not an address")


def test_the_xray_sdk_is_off_unless_context_turns_it_on() -> None:
    assert _config().xray_sdk is False
    assert _config(xraySdk="true").xray_sdk is True
    assert _config(xraySdk=True).xray_sdk is True
