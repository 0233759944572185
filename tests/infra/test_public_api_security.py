"""What the stack sets up so the public site key cannot be abused: the link allowlist (context
``linkHosts``), the secret server keys, protected traits and the rate-limit counters."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App

from infra.stack import NurtureFlowStack
from infra.stack.config import ConfigError, StackConfig
from infra.stack.settings_env import env_name
from nurtureflow.settings import TrackingSettings
from tests.infra.conftest import SENDER_DOMAIN
from tests.infra.test_stack import _env

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
