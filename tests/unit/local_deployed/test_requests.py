"""Which action on which resource each AWS call asks IAM for, as the local stack checks it."""

from __future__ import annotations

from nurtureflow.local.deployed.policy import Request
from nurtureflow.local.deployed.requests import Account, requests_for

ACCOUNT = Account("us-east-1", "123456789012")
TABLES = "arn:aws:dynamodb:us-east-1:123456789012:table"


def _no_token(token: str) -> None:
    return None


def test_a_transaction_asks_for_each_items_own_action_on_its_table() -> None:
    """https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html"""
    params = {
        "TransactItems": [
            {"Put": {"TableName": "ledger", "Item": {}}},
            {"Update": {"TableName": "rollups", "Key": {}}},
            {"ConditionCheck": {"TableName": "sends", "Key": {}}},
        ]
    }
    assert requests_for("dynamodb", "TransactWriteItems", params, ACCOUNT, _no_token) == [
        Request("dynamodb:PutItem", f"{TABLES}/ledger"),
        Request("dynamodb:UpdateItem", f"{TABLES}/rollups"),
        Request("dynamodb:ConditionCheckItem", f"{TABLES}/sends"),
    ]


def test_a_query_on_an_index_asks_for_the_index() -> None:
    params = {"TableName": "sends", "IndexName": "by_contact"}
    assert requests_for("dynamodb", "Query", params, ACCOUNT, _no_token) == [
        Request("dynamodb:Query", f"{TABLES}/sends/index/by_contact")
    ]


def test_a_batch_asks_once_per_table() -> None:
    params = {"RequestItems": {"a": [], "b": []}}
    found = requests_for("dynamodb", "BatchWriteItem", params, ACCOUNT, _no_token)
    assert found == [
        Request("dynamodb:BatchWriteItem", f"{TABLES}/a"),
        Request("dynamodb:BatchWriteItem", f"{TABLES}/b"),
    ]


def test_a_send_asks_for_the_senders_domain_identity_and_the_configuration_set() -> None:
    params = {"FromEmailAddress": "Shop <Hello@Shop.Example>", "ConfigurationSetName": "nurtureflow"}
    assert requests_for("ses", "SendEmail", params, ACCOUNT, _no_token) == [
        Request("ses:SendEmail", "arn:aws:ses:us-east-1:123456789012:identity/shop.example"),
        Request("ses:SendEmail", "arn:aws:ses:us-east-1:123456789012:configuration-set/nurtureflow"),
    ]


def test_creating_a_state_machine_passes_its_role_to_step_functions_and_may_publish() -> None:
    params = {
        "name": "nurtureflow-a",
        "roleArn": "arn:aws:iam::123456789012:role/r",
        "publish": True,
        "tags": [{}],
    }
    machine = "arn:aws:states:us-east-1:123456789012:stateMachine:nurtureflow-a"
    assert requests_for("states", "CreateStateMachine", params, ACCOUNT, _no_token) == [
        Request("states:CreateStateMachine", machine),
        Request(
            "iam:PassRole",
            "arn:aws:iam::123456789012:role/r",
            (("iam:PassedToService", "states.amazonaws.com"),),
        ),
        Request("states:TagResource", machine),
        Request("states:PublishStateMachineVersion", machine),
    ]


def test_a_task_answer_is_authorised_on_the_machine_the_token_belongs_to() -> None:
    machine = "arn:aws:states:us-east-1:123456789012:stateMachine:nurtureflow-a"
    found = requests_for("states", "SendTaskSuccess", {"taskToken": "t"}, ACCOUNT, lambda token: machine)
    assert found == [Request("states:SendTaskSuccess", machine)]


def test_put_events_asks_for_each_bus_named_and_the_default_one_when_unnamed() -> None:
    params = {"Entries": [{"EventBusName": "nurtureflow"}, {}]}
    assert requests_for("events", "PutEvents", params, ACCOUNT, _no_token) == [
        Request("events:PutEvents", "arn:aws:events:us-east-1:123456789012:event-bus/default"),
        Request("events:PutEvents", "arn:aws:events:us-east-1:123456789012:event-bus/nurtureflow"),
    ]


def test_an_operation_not_mapped_asks_for_every_resource() -> None:
    assert requests_for("cloudwatch", "PutMetricData", {}, ACCOUNT, _no_token) == [
        Request("cloudwatch:PutMetricData", "*")
    ]


def test_an_invoke_asks_for_invoke_function_on_the_function_or_its_qualified_arn() -> None:
    """Invoke is authorised as ``lambda:InvokeFunction`` on the function's ARN, with ``:<qualifier>``
    for a version or alias (https://docs.aws.amazon.com/service-authorization/latest/reference/
    list_awslambda.html)."""
    function = "arn:aws:lambda:us-east-1:123456789012:function:nf-forecast"
    assert requests_for("lambda", "Invoke", {"FunctionName": "nf-forecast"}, ACCOUNT, _no_token) == [
        Request("lambda:InvokeFunction", function)
    ]
    assert requests_for("lambda", "Invoke", {"FunctionName": function, "Qualifier": "live"}, ACCOUNT,
                        _no_token) == [Request("lambda:InvokeFunction", f"{function}:live")]  # fmt: skip
