"""Which IAM action on which resource an AWS API call asks for, from its operation and parameters.

The mapping follows each service's authorization reference (the "Actions, resources, and
condition keys" pages): DynamoDB transactions are authorised per item as the item's own action
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html);
CreateStateMachine also passes its role (``iam:PassRole``, with ``iam:PassedToService``) and
publishing on create or update asks for ``states:PublishStateMachineVersion``
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-state-machine-version.html). An
operation not listed here asks for its action on ``*``, which only a policy granting ``*`` allows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from nurtureflow.local.deployed.policy import Request

_TRANSACT_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}
# Step Functions operations and the parameter that names the resource they act on.
_STATES_RESOURCE = {
    "StartExecution": "stateMachineArn",
    "StartSyncExecution": "stateMachineArn",
    "DescribeStateMachine": "stateMachineArn",
    "UpdateStateMachine": "stateMachineArn",
    "DeleteStateMachine": "stateMachineArn",
    "PublishStateMachineVersion": "stateMachineArn",
    "ListStateMachineVersions": "stateMachineArn",
    "ListStateMachineAliases": "stateMachineArn",
    "ListExecutions": "stateMachineArn",
    "DeleteStateMachineVersion": "stateMachineVersionArn",
    "DescribeStateMachineAlias": "stateMachineAliasArn",
    "UpdateStateMachineAlias": "stateMachineAliasArn",
    "DeleteStateMachineAlias": "stateMachineAliasArn",
    "DescribeExecution": "executionArn",
    "StopExecution": "executionArn",
    "GetExecutionHistory": "executionArn",
    "DescribeStateMachineForExecution": "executionArn",
    "RedriveExecution": "executionArn",
    "TagResource": "resourceArn",
    "UntagResource": "resourceArn",
    "ListTagsForResource": "resourceArn",
}
TokenMachine = Callable[[str], str | None]


@dataclass(frozen=True)
class Account:
    region: str
    account: str

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"


def requests_for(
    prefix: str, operation: str, params: dict[str, Any], account: Account, token_machine: TokenMachine
) -> list[Request]:
    """The requests IAM evaluates for one call; ``prefix`` is the service's IAM prefix."""
    mapper = {
        "dynamodb": _dynamodb,
        "ses": _ses,
        "states": _states,
        "events": _events,
        "lambda": _lambda,
    }.get(prefix)
    if mapper is None:
        return [Request(f"{prefix}:{operation}", "*")]
    return mapper(operation, params, account, token_machine)


def _table(name: str, account: Account) -> str:
    return name if name.startswith("arn:") else account.arn("dynamodb", f"table/{name}")


def _dynamodb(operation: str, params: dict[str, Any], account: Account, _: TokenMachine) -> list[Request]:
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [Request(f"dynamodb:{operation}", _table(t, account)) for t in params.get("RequestItems", {})]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        found = []
        for item in params.get("TransactItems", []):
            for kind, body in item.items():
                found.append(
                    Request(f"dynamodb:{_TRANSACT_ITEM_ACTIONS[kind]}", _table(body["TableName"], account))
                )
        return found
    if "TableName" not in params:
        return [Request(f"dynamodb:{operation}", "*")]
    table = _table(params["TableName"], account)
    if params.get("IndexName"):
        table = f"{table}/index/{params['IndexName']}"
    return [Request(f"dynamodb:{operation}", table)]


def _ses(operation: str, params: dict[str, Any], account: Account, _: TokenMachine) -> list[Request]:
    if operation != "SendEmail":
        return [Request(f"ses:{operation}", "*")]
    # SES authorises a send against the verified identity it sends from (the stack verifies the
    # domain) and against the configuration set it names.
    identity = params.get("FromEmailAddressIdentityArn")
    if not identity:
        address = parseaddr(str(params.get("FromEmailAddress", "")))[1]
        identity = account.arn("ses", f"identity/{address.rpartition('@')[2].lower()}")
    found = [Request("ses:SendEmail", identity)]
    if params.get("ConfigurationSetName"):
        found.append(
            Request(
                "ses:SendEmail", account.arn("ses", f"configuration-set/{params['ConfigurationSetName']}")
            )
        )
    return found


def _states(
    operation: str, params: dict[str, Any], account: Account, token_machine: TokenMachine
) -> list[Request]:
    action = f"states:{operation}"
    if operation in ("SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"):
        # Authorised on the state machine whose task the token belongs to.
        return [Request(action, token_machine(str(params.get("taskToken", ""))) or "*")]
    if operation == "CreateStateMachine":
        machine = account.arn("states", f"stateMachine:{params.get('name', '')}")
        found = [
            Request(action, machine),
            Request(
                "iam:PassRole",
                str(params.get("roleArn", "")),
                (("iam:PassedToService", "states.amazonaws.com"),),
            ),
        ]
        if params.get("tags"):
            found.append(Request("states:TagResource", machine))
        if params.get("publish"):
            found.append(Request("states:PublishStateMachineVersion", machine))
        return found
    if operation == "CreateStateMachineAlias":
        routes = params.get("routingConfiguration") or [{}]
        version = str(routes[0].get("stateMachineVersionArn", ""))
        machine = version.rsplit(":", 1)[0]
        return [Request(action, f"{machine}:{params.get('name', '')}")]
    if operation in _STATES_RESOURCE:
        resource = str(params.get(_STATES_RESOURCE[operation], ""))
        found = [Request(action, resource)]
        if operation == "UpdateStateMachine" and params.get("publish"):
            found.append(Request("states:PublishStateMachineVersion", resource))
        if operation == "UpdateStateMachine" and params.get("roleArn"):
            found.append(
                Request(
                    "iam:PassRole", str(params["roleArn"]), (("iam:PassedToService", "states.amazonaws.com"),)
                )
            )
        return found
    return [Request(action, "*")]


def _events(operation: str, params: dict[str, Any], account: Account, _: TokenMachine) -> list[Request]:
    if operation != "PutEvents":
        return [Request(f"events:{operation}", "*")]
    buses = {str(entry.get("EventBusName") or "default") for entry in params.get("Entries", [])}
    return [
        Request(
            "events:PutEvents", bus if bus.startswith("arn:") else account.arn("events", f"event-bus/{bus}")
        )
        for bus in sorted(buses)
    ]


def _lambda(operation: str, params: dict[str, Any], account: Account, _: TokenMachine) -> list[Request]:
    if operation != "Invoke":
        return [Request(f"lambda:{operation}", "*")]
    # Invoke is authorised as lambda:InvokeFunction on the function (a qualifier adds ":<version>").
    name = str(params.get("FunctionName", ""))
    function = name if name.startswith("arn:") else account.arn("lambda", f"function:{name}")
    if params.get("Qualifier"):
        function = f"{function}:{params['Qualifier']}"
    return [Request("lambda:InvokeFunction", function)]
