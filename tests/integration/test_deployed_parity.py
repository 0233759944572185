"""Each function runs locally as the template deploys it: its own environment, and every AWS call
held to its role's policy, failing as AWS fails it; the gateway lays out paths as API Gateway does."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
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


def test_events_reach_only_the_targets_of_the_template_rules_they_match(harness: Harness) -> None:
    """Routing by the rules' event patterns: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html"""
    stack = harness.stack
    seen: list[tuple[str, str]] = []

    def recorder(event: dict[str, Any], context: object) -> None:
        # Tracked events come through the trigger's intake queue: each message's body is the event.
        for each in [json.loads(r["body"]) for r in event["Records"]] if "Records" in event else [event]:
            seen.append((each["source"], each["detail-type"]))

    bus = next(b for b in stack.deployment.event_buses if b != "default")
    previous = stack.lambdas.replace("trigger", recorder)
    try:
        stack.bus.put("someone.else", "Other", {}, bus)
        stack.bus.put("nurtureflow.track", "Tracked", {}, bus)
        # The broadcast machine's status changes are on the default bus, but no rule takes them.
        stack.bus.put(
            "aws.states",
            "Step Functions Execution Status Change",
            {"stateMachineArn": "x:NurtureFlowBroadcasts"},
        )
        stack.drain()
    finally:
        stack.lambdas.replace("trigger", previous)
    assert seen == [("nurtureflow.track", "Tracked")]


def test_put_events_on_a_bus_the_stack_does_not_have_is_refused(harness: Harness) -> None:
    events = boto3.client(
        "events", region_name="us-east-1", endpoint_url=os.environ["NURTUREFLOW_ENDPOINT_EVENTS"]
    )
    entry = {"Source": "nurtureflow.track", "DetailType": "x", "Detail": "{}"}
    with pytest.raises(ClientError) as refused:
        events.put_events(Entries=[{**entry, "EventBusName": "nowhere"}])
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as too_many:
        events.put_events(Entries=[entry] * 11)
    assert too_many.value.response["Error"]["Code"] == "ValidationException"


def test_a_state_machine_may_invoke_only_the_functions_its_role_allows(harness: Harness) -> None:
    """The workflow machines' role may invoke the step and send functions, not the broadcast one:
    a task on it fails with Lambda's AccessDeniedException, as a role without lambda:InvokeFunction
    does in AWS (https://docs.aws.amazon.com/step-functions/latest/dg/lambda-iam.html)."""
    stack = harness.stack
    sfn = boto3.client(
        "stepfunctions",
        region_name="us-east-1",
        endpoint_url=os.environ["NURTUREFLOW_ENDPOINT_STEPFUNCTIONS"],
    )
    role = os.environ["NURTUREFLOW_STATE_MACHINE_ROLE_ARN"]

    def machine(name: str, function: str) -> str:
        task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
        task["Parameters"] = {"FunctionName": stack.lambdas.arn(function), "Payload": {"action": "noop"}}
        definition = {"StartAt": "Call", "States": {"Call": task}}
        created = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=role)
        return str(created["stateMachineArn"])

    denied = sfn.start_execution(stateMachineArn=machine("it-parity-denied", "broadcast"))["executionArn"]
    stack.drain()
    described = sfn.describe_execution(executionArn=denied)
    assert (described["status"], described["error"]) == ("FAILED", "Lambda.AWSLambdaException")
    assert "AccessDeniedException" in described["cause"]
    assert "lambda:InvokeFunction" in described["cause"]


def test_the_banners_example_request_answers(harness: Harness) -> None:
    """The first command a user copies from `make dev`'s banner reaches the API under its stage."""
    line = next(line for line in harness.stack.banner().splitlines() if "try: curl" in line)
    url = line.split("curl -s ", 1)[1].split(" ", 1)[0]
    token = line.rsplit("Bearer ", 1)[1].rstrip("'")
    assert url.startswith(harness.stack.base_url)
    answer = harness.http("GET", url, headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 200
