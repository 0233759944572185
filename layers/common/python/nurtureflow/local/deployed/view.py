"""The part of the synthesized template the local stack runs by: functions, roles, event rules, the
API's stage.

``extract_view`` keeps, from a CloudFormation template, what decides how a function behaves and
what it may touch: its environment variables and the statements of its role's policies, and the
same for the state machines' roles. ``deployed.json`` is that view of the stack synthesized with
``LOCAL_CONTEXT``; ``make synth`` rewrites it and ``tests/infra/test_local_view.py`` fails when it
is stale, so the local stack can never run by a second list kept by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VIEW_FILE = Path(__file__).with_name("deployed.json")
# The deployment the local stack stands for: the demo shop's sender and unsubscribe mailbox, under
# .internal, a top-level domain ICANN keeps private (the stack refuses the RFC 2606 example names),
# and the demo shop's own site, which the sample templates link to.
LOCAL_CONTEXT = {
    "senderDomain": "shop.internal",
    "sender": "Shop <hello@shop.internal>",
    "unsubscribeMailbox": "unsubscribe@shop.internal",
    "linkHosts": ["shop.example"],
    # One connection, answered locally by the stack's stand-in receiver (docs/webhooks.md).
    "webhookConnections": {
        "crm": {
            "baseUrl": "https://crm.shop.internal/",
            "apiKeyName": "X-Api-Key",
            "secretName": "nurtureflow/crm",
        }
    },
}
# Properties that give a resource its physical name, when the template sets one.
_NAME_PROPERTIES = (
    "TableName",
    "FunctionName",
    "RoleName",
    "StateMachineName",
    "Name",
    "QueueName",
    "TopicName",
    "LogGroupName",
    "EmailIdentity",
)


def extract_view(template: dict[str, Any], function_names: dict[str, str]) -> dict[str, Any]:
    """The view of ``template``; ``function_names`` maps each function's logical id to its folder
    under ``functions/``."""
    resources: dict[str, Any] = template["Resources"]
    statements: dict[str, list[Any]] = {}
    for resource in resources.values():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        for role in resource["Properties"].get("Roles", []):
            statements.setdefault(role["Ref"], []).extend(
                resource["Properties"]["PolicyDocument"]["Statement"]
            )
    roles = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        props = resource["Properties"]
        inline = [s for p in props.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
        roles[logical_id] = {
            "statements": inline + statements.get(logical_id, []),
            # Managed policies are AWS's, not in the template: the local check grants nothing for them.
            "managed_policies": props.get("ManagedPolicyArns", []),
        }
    functions = {}
    for logical_id, name in sorted(function_names.items(), key=lambda item: item[1]):
        props = resources[logical_id]["Properties"]
        functions[name] = {
            "logical_id": logical_id,
            "environment": props.get("Environment", {}).get("Variables", {}),
            "role": props["Role"]["Fn::GetAtt"][0],
            "memory_mb": props.get("MemorySize", 128),
            "timeout_seconds": props.get("Timeout", 3),
        }
    machines = {
        logical_id: {
            "name": r["Properties"].get("StateMachineName"),
            "role": r["Properties"]["RoleArn"]["Fn::GetAtt"][0],
        }
        for logical_id, r in resources.items()
        if r["Type"] == "AWS::StepFunctions::StateMachine"
    }
    stages = [
        r["Properties"]["StageName"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::Stage"
    ]
    apis = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::RestApi"]
    rules = [
        {
            "logical_id": logical_id,
            "bus": r["Properties"].get("EventBusName", "default"),
            "pattern": r["Properties"]["EventPattern"],
            "targets": [target["Arn"] for target in r["Properties"].get("Targets", [])],
        }
        for logical_id, r in sorted(resources.items())
        if r["Type"] == "AWS::Events::Rule" and "EventPattern" in r["Properties"]
    ]
    # Lambda's event source mappings: which function reads which queue, in batches of how many.
    queue_readers = [
        {
            "queue": r["Properties"]["EventSourceArn"],
            "function": r["Properties"]["FunctionName"],
            "batch_size": r["Properties"].get("BatchSize", 10),
            "reports_item_failures": "ReportBatchItemFailures"
            in r["Properties"].get("FunctionResponseTypes", []),
        }
        for _, r in sorted(resources.items())
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
    ]
    schedules = [
        {
            "expression": r["Properties"]["ScheduleExpression"],
            "target": r["Properties"]["Target"]["Arn"],
            "input": r["Properties"]["Target"].get("Input", "{}"),
        }
        for _, r in sorted(resources.items())
        if r["Type"] == "AWS::Scheduler::Schedule"
    ]
    return {
        "schedules": schedules,
        "event_rules": rules,
        "queue_readers": queue_readers,
        "functions": functions,
        "roles": roles,
        "state_machines": machines,
        "stage": stages[0] if stages else None,
        "binary_media_types": apis[0].get("BinaryMediaTypes", []) if apis else [],
        "resources": {
            logical_id: {
                "type": r["Type"],
                **{
                    p: r["Properties"][p]
                    for p in _NAME_PROPERTIES
                    if isinstance(r.get("Properties", {}).get(p), str)
                },
            }
            for logical_id, r in sorted(resources.items())
        },
    }


def load_view(path: Path = VIEW_FILE) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return value


def dump_view(view: dict[str, Any]) -> str:
    return json.dumps(view, indent=1, sort_keys=True) + "\n"
