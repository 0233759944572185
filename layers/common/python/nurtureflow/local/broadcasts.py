"""The broadcast state machine in the local runtime: the stack creates it in AWS, the local stack here."""

from __future__ import annotations

import json

import boto3

from nurtureflow.broadcasts.definition import broadcast_definition

NAME = "NurtureFlowBroadcasts"


def create_broadcast_machine(endpoint: str, region: str, role_arn: str, function_arn: str) -> str:
    """Create the machine (the same ASL as the stack deploys) through the runtime's AWS API."""
    sfn = boto3.client("stepfunctions", region_name=region, endpoint_url=endpoint)
    created = sfn.create_state_machine(
        name=NAME,
        definition=json.dumps(broadcast_definition(function_arn)),
        roleArn=role_arn,
        type="STANDARD",
    )
    return str(created["stateMachineArn"])
