"""The local stack's in-process transport: the functions' calls reach moto and the wire endpoint
without a socket, answered and parsed exactly as over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from moto import mock_aws

from nurtureflow.local.in_process import InProcessTransport, json_target, moto_app, moto_handlers, wsgi
from nurtureflow.local.wire import AwsWireServer

# Nothing listens on port 9 (discard) of loopback: a call that went out over a socket would fail.
MOTO, WIRE = "http://127.0.0.1:9", "http://127.0.0.2:9"


def _client(service: str, endpoint: str, transport: InProcessTransport) -> Any:
    client = boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    client.meta.events.register("before-send", transport)
    return client


@pytest.fixture
def transport() -> Iterator[InProcessTransport]:
    def states(target: str, body: bytes) -> tuple[int, dict[str, Any]]:
        if target.endswith(".DescribeExecution"):
            arn = json.loads(body)["executionArn"]
            return 200, {"executionArn": arn, "status": "RUNNING", "startDate": 0, "stateMachineArn": arn}
        return 400, {"__type": "ExecutionDoesNotExist", "message": "no such execution"}

    wire = AwsWireServer({"AWSStepFunctions": states})  # never started: only its dispatch is used
    with mock_aws():
        yield InProcessTransport({MOTO: moto_handlers(wsgi(moto_app())), WIRE: json_target(wire.answer)})


def test_dynamodb_calls_reach_moto_without_a_socket(transport: InProcessTransport) -> None:
    dynamodb = _client("dynamodb", MOTO, transport)
    dynamodb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName="t", Item={"pk": {"S": "a"}, "name": {"S": "Zoë"}})
    assert dynamodb.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"]["name"] == {"S": "Zoë"}


def test_moto_s_errors_arrive_as_botocore_errors(transport: InProcessTransport) -> None:
    dynamodb = _client("dynamodb", MOTO, transport)
    with pytest.raises(ClientError) as raised:
        dynamodb.get_item(TableName="missing", Key={"pk": {"S": "a"}})
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_ses_on_the_same_endpoint_reaches_its_own_backend(transport: InProcessTransport) -> None:
    ses = _client("sesv2", MOTO, transport)
    ses.create_email_identity(EmailIdentity="news@example.com")
    assert [i["IdentityName"] for i in ses.list_email_identities()["EmailIdentities"]] == ["news@example.com"]


def test_step_functions_calls_reach_the_wire_dispatch(transport: InProcessTransport) -> None:
    sfn = _client("stepfunctions", WIRE, transport)
    arn = "arn:aws:states:us-east-1:123456789012:execution:m:run-1"
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
    with pytest.raises(ClientError) as raised:
        sfn.stop_execution(executionArn=arn)
    assert raised.value.response["Error"]["Code"] == "ExecutionDoesNotExist"


def _signed(service: str, request: AWSRequest) -> AWSRequest:
    """Signed as botocore signs every call: moto finds the service in the credential scope."""
    SigV4Auth(Credentials("local", "local"), service, "us-east-1").add_auth(request)
    return request


def test_other_endpoints_go_out_as_usual(transport: InProcessTransport) -> None:
    """Only our endpoints are answered in-process. (Until 2026-12-04 this sent an unsigned request,
    which no client of ours sends: moto routes an unsigned request it cannot place to S3, whose
    answer to it depended on what earlier tests in the process had done, and it failed once in CI.)"""
    elsewhere = AWSRequest("POST", "http://127.0.0.3:9/", data=b"{}").prepare()
    assert transport(elsewhere) is None  # botocore then sends it over the network
    target = {"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"}
    dynamodb = _signed("dynamodb", AWSRequest("POST", f"{MOTO}/", data=b"{}", headers=target))
    answered = transport(dynamodb.prepare())  # moto's DynamoDB handler, directly
    assert answered is not None
    assert answered.status_code == 200
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    body = b"Action=ListIdentities&Version=2010-12-01"
    ses = _signed("ses", AWSRequest("POST", f"{MOTO}/", data=body, headers=form))
    answered = transport(ses.prepare())  # moto's server application, as over HTTP
    assert answered is not None
    assert answered.status_code == 200


def test_dynamodb_answers_the_same_from_its_handler_as_through_moto_s_server_app() -> None:
    """DynamoDB's requests skip moto's Flask app: each answer (status, body, error) is the one the
    app gives, for reads, writes and every kind of refusal."""
    NEW = "attribute_not_exists(pk)"
    requests: list[tuple[str, dict[str, Any]]] = [
        ("CreateTable", {
            "TableName": "t", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        }),
        ("PutItem", {"TableName": "t", "Item": {"pk": {"S": "a"}, "n": {"N": "1"}}}),
        ("GetItem", {"TableName": "t", "Key": {"pk": {"S": "a"}}}),
        ("GetItem", {"TableName": "missing", "Key": {"pk": {"S": "a"}}}),
        ("GetItem", {"TableName": "t", "Key": {"other": {"S": "a"}}}),
        ("PutItem", {"TableName": "t", "Item": {"pk": {"S": "a"}}, "ConditionExpression": NEW}),
        ("UpdateItem", {"TableName": "t", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "ADD #n :s",
                        "ExpressionAttributeNames": {"#n": "n"},
                        "ExpressionAttributeValues": {":s": {"S": "x"}}}),
        ("TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": "t", "Item": {"pk": {"S": "a"}}, "ConditionExpression": NEW}},
        ]}),
        ("Query", {"TableName": "t", "KeyConditionExpression": "pk = :a",
                   "ExpressionAttributeValues": {":a": {"S": "a"}}}),
    ]  # fmt: skip
    answers = []
    for deliver in (wsgi(moto_app()), moto_handlers(lambda request: pytest.fail("not DynamoDB"))):
        with mock_aws():
            answer = []
            for operation, body in requests:
                request = AWSRequest(
                    "POST",
                    f"{MOTO}/",
                    data=json.dumps(body).encode(),
                    headers={"X-Amz-Target": f"DynamoDB_20120810.{operation}"},
                )
                signed = _client("dynamodb", MOTO, InProcessTransport({}))
                signed._request_signer.sign(operation, request)
                status, _, reply = deliver(request.prepare())
                parsed = json.loads(reply) if reply else None
                if isinstance(parsed, dict) and "TableDescription" in parsed:
                    parsed["TableDescription"].pop("CreationDateTime", None)
                answer.append((status, parsed))
            answers.append(answer)
    assert answers[0] == answers[1]
    assert [status for status, _ in answers[1]] == [200, 200, 200, 400, 400, 400, 400, 400, 200]
