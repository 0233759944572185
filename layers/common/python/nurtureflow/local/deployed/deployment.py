"""The deployed stack, resolved for the local stack: every function's environment, role and policy,
and the state machines' roles, by the ARNs the local stack gives them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from nurtureflow.local.deployed.event_patterns import check_pattern
from nurtureflow.local.deployed.policy import Policy
from nurtureflow.local.deployed.resolve import LOCAL_API_ID, Names, resolve
from nurtureflow.local.deployed.view import load_view


@dataclass(frozen=True)
class DeployedFunction:
    """One Lambda function as the template deploys it."""

    name: str  # its folder under functions/
    function_name: str
    arn: str
    role_arn: str
    policy: Policy
    environment: dict[str, str]
    memory_mb: int
    timeout_seconds: int


@dataclass(frozen=True)
class DeployedMachine:
    """A state machine the stack itself creates (the workflow machines are created at run time)."""

    name: str
    arn: str
    role_arn: str


@dataclass(frozen=True)
class EventRule:
    """An EventBridge rule: events on ``bus`` matching ``pattern`` go to each target."""

    bus: str
    pattern: dict[str, Any]
    targets: tuple[str, ...]


@dataclass(frozen=True)
class QueueReader:
    """A Lambda event source mapping: ``function`` reads the queue ``queue_arn`` in batches."""

    queue_arn: str
    function: str  # the function's name
    batch_size: int
    reports_item_failures: bool


@dataclass(frozen=True)
class Schedule:
    """An EventBridge Scheduler schedule: ``target`` invoked with ``payload`` at ``expression``."""

    expression: str
    target: str
    payload: Any


@dataclass(frozen=True)
class Deployment:
    functions: dict[str, DeployedFunction]
    machines: dict[str, DeployedMachine]
    role_policies: dict[str, Policy]  # by role ARN
    stage: str
    region: str
    account: str
    event_buses: frozenset[str]
    event_rules: tuple[EventRule, ...]
    schedules: tuple[Schedule, ...]
    queue_readers: tuple[QueueReader, ...] = ()

    def reader_of(self, queue_arn: str) -> QueueReader | None:
        """The function that reads the queue ``queue_arn``, if one does."""
        return next((r for r in self.queue_readers if r.queue_arn == queue_arn), None)

    def function(self, name: str) -> DeployedFunction:
        return self.functions[name]

    def function_named(self, arn_or_name: str) -> DeployedFunction | None:
        """The function a Lambda ARN (qualified or not) or a function name stands for."""
        name = arn_or_name.split(":")[6] if arn_or_name.startswith("arn:") else arn_or_name
        return next((f for f in self.functions.values() if f.function_name == name), None)

    def policy_of_role(self, role_arn: str) -> Policy:
        # A role the template does not define may do nothing.
        return self.role_policies.get(role_arn, Policy(()))

    def operator_environment(self) -> dict[str, str]:
        """Every function's settings together: what the local stack's own tools (and tests) read."""
        merged: dict[str, str] = {}
        for function in self.functions.values():
            merged.update(function.environment)
        return merged


def load_deployment(
    *,
    public_origin: str,
    values: dict[str, str],
    secrets: dict[str, str],
    region: str = "us-east-1",
    account: str = "123456789012",
    view: dict[str, Any] | None = None,
) -> Deployment:
    """The view resolved locally. ``public_origin`` stands for the API's execute-api host;
    ``values`` replace the value (never the presence) of variables that come from deploy-time
    context, such as the admin tokens' hashes; ``secrets`` are the secrets' values by logical id."""
    view = view or load_view()
    names = Names(view["resources"], region, account, secrets)
    api_origin = f"https://{LOCAL_API_ID}.execute-api.{region}.amazonaws.com"
    role_policies = {
        names.arn(logical_id): Policy(tuple(resolve(role["statements"], names)))
        for logical_id, role in view["roles"].items()
    }
    functions = {}
    for name, spec in view["functions"].items():
        environment = {}
        for key, raw in spec["environment"].items():
            value = str(resolve(raw, names)).replace(api_origin, public_origin)
            environment[key] = values.get(key, value)
        role_arn = names.arn(spec["role"])
        functions[name] = DeployedFunction(
            name=name,
            function_name=names.name(spec["logical_id"]),
            arn=names.arn(spec["logical_id"]),
            role_arn=role_arn,
            policy=role_policies.get(role_arn, Policy(())),
            environment=environment,
            memory_mb=int(spec["memory_mb"]),
            timeout_seconds=int(spec["timeout_seconds"]),
        )
    machines = {
        spec["name"]: DeployedMachine(spec["name"], names.arn(logical_id), names.arn(spec["role"]))
        for logical_id, spec in view["state_machines"].items()
        if spec["name"]
    }
    buses = {names.name(i) for i, r in view["resources"].items() if r["type"] == "AWS::Events::EventBus"}
    rules = []
    for rule in view["event_rules"]:
        pattern = resolve(rule["pattern"], names)
        check_pattern(pattern)
        targets = tuple(str(resolve(target, names)) for target in rule["targets"])
        rules.append(EventRule(str(resolve(rule["bus"], names)), pattern, targets))
    return Deployment(
        functions,
        machines,
        role_policies,
        str(view["stage"]),
        region,
        account,
        frozenset({"default", *buses}),
        tuple(rules),
        tuple(
            Schedule(s["expression"], str(resolve(s["target"], names)), json.loads(s["input"]))
            for s in view["schedules"]
        ),
        tuple(
            QueueReader(
                str(resolve(q["queue"], names)),
                str(resolve(q["function"], names)),
                int(q["batch_size"]),
                bool(q["reports_item_failures"]),
            )
            for q in view.get("queue_readers", [])
        ),
    )
