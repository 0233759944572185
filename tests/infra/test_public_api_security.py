"""What the stack sets up so the public site key cannot be abused: the link allowlist (context
``linkHosts``), the secret server keys, protected traits and the rate-limit counters."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from infra.stack import NurtureFlowStack
from infra.stack.config import ConfigError, StackConfig
from infra.stack.settings_env import env_name
from nurtureflow.settings import RateLimitSettings, SiteSettings, TrackingSettings
from tests.infra.conftest import SENDER_DOMAIN, synth
from tests.infra.test_stack import _actions, _env, _flat, _logical_id, _resource_list, _role_id, _statements

Json = dict[str, Any]


def _config(**context: Any) -> StackConfig:
    return StackConfig.from_context(App(context={"senderDomain": "acme.internal", **context}).node)


def test_link_hosts_default_to_the_sender_domain_and_context_adds_more() -> None:
    assert _config().allowed_link_hosts == ["acme.internal"]
    assert _config(linkHosts=["shop.acme.com", "acme.internal"]).allowed_link_hosts == [
        "acme.internal",
        "shop.acme.com",
    ]
    assert _config(linkHosts="www.acme.com,Blog.Acme.com.").allowed_link_hosts == [
        "acme.internal",
        "www.acme.com",
        "blog.acme.com",
    ]


@pytest.mark.parametrize("host", ["*", "https://acme.com", "acme.com/path", "localhost"])
def test_a_link_host_that_is_not_a_domain_name_is_refused(host: str) -> None:
    with pytest.raises(ConfigError, match="linkHosts"):
        _config(linkHosts=[host])


def test_every_function_that_signs_or_follows_links_gets_the_allowlist(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    variable = env_name(TrackingSettings, "link_hosts")
    fns = stack.functions
    for function in (fns.track, fns.send, fns.admin, fns.broadcast):
        environment = _env(template_json, function)
        assert "NURTUREFLOW_LINK_KEYS" in environment
        assert json.loads(environment[variable]) == [SENDER_DOMAIN]
    for function in (fns.trigger, fns.step):
        assert variable not in _env(template_json, function)


def test_server_keys_are_deployed_as_hashes_of_a_site() -> None:
    digest = hashlib.sha256(b"server-secret").hexdigest()
    assert _config(serverKeyHashes=f'{{"{digest}": "sk_web"}}').server_key_hashes == {digest: "sk_web"}
    for hashes in ({"server-secret": "sk_web"}, {digest: ""}):
        with pytest.raises(ConfigError, match="serverKeyHashes"):
            _config(serverKeyHashes=hashes)


def test_rate_limits_and_protected_traits_come_from_context() -> None:
    config = _config(rateLimits='{"newAddressesPerIp": 25}', protectedTraits="plan,account_*")
    assert config.rate_limits == {"new_addresses_per_ip_per_hour": 25}
    assert config.protected_traits == ("plan", "account_*")
    for limits in ({"perFortnight": 5}, {"eventsPerAddress": 0}, {"eventsPerAddress": "60"}):
        with pytest.raises(ConfigError, match="rateLimits"):
            _config(rateLimits=limits)


def test_only_the_track_function_knows_the_keys_the_protected_traits_and_the_limits(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    track = _env(template_json, stack.functions.track)
    assert json.loads(track[env_name(SiteSettings, "server_key_hashes")]) == {}
    assert json.loads(track[env_name(SiteSettings, "protected_traits")]) == []
    assert {name: track[env_name(RateLimitSettings, name)] for name in RateLimitSettings.model_fields} == {
        "events_per_address_per_hour": "60",
        "new_addresses_per_ip_per_hour": "10",
        "new_addresses_per_site_key_per_hour": "1000",
    }
    variables = {
        env_name(SiteSettings, "server_key_hashes"),
        env_name(RateLimitSettings, "events_per_address_per_hour"),
    }
    for function in stack.functions.all:
        if function is not stack.functions.track:
            assert not variables & set(_env(template_json, function)), function.node.id


def test_the_counters_expire_and_the_track_function_may_only_update_them(
    stack: NurtureFlowStack, template_json: Json
) -> None:
    table = stack.data.rate_limits
    properties = template_json["Resources"][_logical_id(table)]["Properties"]
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    arn = f"<{_logical_id(table)}.Arn>"
    for function in stack.functions.all:
        actions = {
            action
            for statement in _statements(template_json, _role_id(template_json, function))
            if arn in {_flat(r) for r in _resource_list(statement)}
            for action in _actions(statement)
        }
        assert actions == ({"dynamodb:UpdateItem"} if function is stack.functions.track else set()), (
            function.node.id
        )


def test_a_deployment_with_context_passes_it_to_the_track_function(tmp_path: Any, wheelhouse: Any) -> None:
    digest = hashlib.sha256(b"server-secret").hexdigest()
    stack = synth(
        str(tmp_path),
        serverKeyHashes={digest: "sk_web"},
        protectedTraits=["plan"],
        rateLimits={"eventsPerAddress": 30},
        linkHosts=["shop.acme.com"],
    )
    track = _env(json.loads(json.dumps(Template.from_stack(stack).to_json())), stack.functions.track)
    assert json.loads(track["NURTUREFLOW_SERVER_KEY_HASHES"]) == {digest: "sk_web"}
    assert json.loads(track["NURTUREFLOW_PROTECTED_TRAITS"]) == ["plan"]
    assert track["NURTUREFLOW_EVENTS_PER_ADDRESS_PER_HOUR"] == "30"
    assert json.loads(track["NURTUREFLOW_LINK_HOSTS"]) == [SENDER_DOMAIN, "shop.acme.com"]
