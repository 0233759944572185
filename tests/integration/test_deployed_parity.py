"""Each function runs locally as the template deploys it: its own environment, and every AWS call
held to its role's policy, failing as AWS fails it; the gateway lays out paths as API Gateway does."""

from __future__ import annotations

import os

import pytest
from botocore.exceptions import ClientError

from nurtureflow import wiring
from nurtureflow.local.deployed.view import load_view
from tests.integration.conftest import Harness


def test_a_function_gets_exactly_the_settings_its_template_gives_it(harness: Harness) -> None:
    view = load_view()
    lambdas = harness.stack.lambdas
    for name, spec in view["functions"].items():
        nurtureflow = {k for k in lambdas.environment(name) if k.startswith("NURTUREFLOW_")}
        endpoints = {k for k in nurtureflow if k.startswith("NURTUREFLOW_ENDPOINT_")}
        assert nurtureflow - endpoints == {k for k in spec["environment"] if k.startswith("NURTUREFLOW_")}, (
            name
        )
    with lambdas.running_as("track"):
        # track is given no templates table: the code's fallback name is not a table of the stack.
        assert "NURTUREFLOW_TEMPLATES_TABLE" not in os.environ
        assert os.environ["POWERTOOLS_SERVICE_NAME"] == "track"


def test_a_call_outside_the_functions_policy_fails_as_access_denied(harness: Harness) -> None:
    """AWS's wording: https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html"""
    with harness.stack.lambdas.running_as("track"), pytest.raises(ClientError) as denied:
        wiring.broadcasts().get("any")
    error = denied.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert "assumed-role/NurtureFlow-FunctionsTrackRole" in error["Message"]
    assert "is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:" in error["Message"]
    # The same read as the admin function, whose role has the broadcasts table, is allowed.
    with harness.stack.lambdas.running_as("admin"):
        assert wiring.broadcasts().get("any") is None


def test_a_path_without_the_stage_gets_api_gateways_403(harness: Harness) -> None:
    """API Gateway answers 403 "Missing Authentication Token" for a path no resource of the stage
    has: https://repost.aws/knowledge-center/api-gateway-authentication-token-errors"""
    stage = harness.stack.gateway.stage
    unstaged = harness.stack.gateway.handle("GET", "/v1/tracker.js", {}, b"", "127.0.0.1")
    assert (unstaged[0], unstaged[2]) == (403, b'{"message": "Missing Authentication Token"}')
    staged = harness.stack.gateway.handle("GET", f"/{stage}/v1/tracker.js", {}, b"", "127.0.0.1")
    assert staged[0] == 200
    assert staged[1]["Content-Type"].startswith("application/javascript")


def test_a_function_that_raises_is_api_gateways_502(harness: Harness) -> None:
    """A Lambda proxy integration whose function fails answers 502 "Internal server error":
    https://repost.aws/knowledge-center/malformed-502-api-gateway"""

    def failing(event: object, context: object) -> object:
        raise RuntimeError("boom")

    previous = harness.stack.lambdas.replace("track", failing)
    try:
        answer = harness.http("GET", "/v1/tracker.js")
    finally:
        harness.stack.lambdas.replace("track", previous)
    assert (answer.status, answer.body) == (502, b'{"message": "Internal server error"}')
