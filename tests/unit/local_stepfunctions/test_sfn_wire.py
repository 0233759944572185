"""A real boto3 ``stepfunctions`` client against the wire protocol, served on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from botocore.config import Config  # type: ignore[import-untyped]

from nurtureflow.local.stepfunctions import LocalStepFunctions, StepFunctionsProtocol
from nurtureflow.local.stepfunctions.protocol import CONTENT_TYPE

ROLE = "arn:aws:iam::000000000000:role/sfn"
APPROVAL = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {
                "FunctionName": "ask",
                "Payload": {"token.$": "$$.Task.Token", "mode.$": "$.mode"},
            },
            "ResultPath": "$.answer",
            "End": True,
        }
    },
}


def serve(protocol: StepFunctionsProtocol) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, response = protocol.handle_request(self.headers.get("X-Amz-Target", ""), body)
            payload = json.dumps(response).encode()
            self.send_response(status)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture
def client(sfn: LocalStepFunctions, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for variable in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.setenv(variable, "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    server = serve(StepFunctionsProtocol(sfn))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield boto3.client(
            "stepfunctions",
            endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
            config=Config(retries={"max_attempts": 1}),
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_boto3_drives_the_local_runtime(client: Any, sfn: LocalStepFunctions, invoker: Any) -> None:
    tokens: list[str] = []

    def ask(payload: dict[str, Any]) -> Any:
        if payload["mode"] == "self":  # the Lambda answers its own token over HTTP while it still runs
            client.send_task_success(taskToken=payload["token"], output='{"by": "lambda"}')
        else:
            tokens.append(payload["token"])
        return {"ok": True}

    invoker.functions["ask"] = ask
    arn = client.create_state_machine(name="approval", definition=json.dumps(APPROVAL), roleArn=ROLE)[
        "stateMachineArn"
    ]
    started = client.start_execution(stateMachineArn=arn, name="first", input='{"mode": "human"}')
    assert isinstance(started["startDate"], datetime)
    with pytest.raises(client.exceptions.ExecutionAlreadyExists):
        client.start_execution(stateMachineArn=arn, name="first", input='{"mode": "other"}')

    sfn.run_due()
    described = client.describe_execution(executionArn=started["executionArn"])
    assert (described["status"], described["name"]) == ("RUNNING", "first")
    client.send_task_success(taskToken=tokens[0], output='{"approved": true}')
    sfn.run_due()
    described = client.describe_execution(executionArn=started["executionArn"])
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"mode": "human", "answer": {"approved": True}}

    history = client.get_execution_history(executionArn=started["executionArn"])["events"]
    assert [event["type"] for event in history] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    assert history[2]["taskScheduledEventDetails"]["resource"] == "invoke.waitForTaskToken"
    page = client.get_execution_history(executionArn=started["executionArn"], reverseOrder=True, maxResults=3)
    assert [event["id"] for event in page["events"]] == [8, 7, 6]
    rest = client.get_execution_history(
        executionArn=started["executionArn"], reverseOrder=True, maxResults=10, nextToken=page["nextToken"]
    )
    assert [event["id"] for event in rest["events"]] == [5, 4, 3, 2, 1]

    own = client.start_execution(stateMachineArn=arn, name="self", input='{"mode": "self"}')
    sfn.run_due()
    described = client.describe_execution(executionArn=own["executionArn"])
    assert json.loads(described["output"])["answer"] == {"by": "lambda"}

    waiting = client.start_execution(stateMachineArn=arn, name="stopped", input='{"mode": "human"}')
    sfn.run_due()
    stopped = client.stop_execution(executionArn=waiting["executionArn"], error="Op", cause="manual")
    assert isinstance(stopped["stopDate"], datetime)
    described = client.describe_execution(executionArn=waiting["executionArn"])
    assert (described["status"], described["error"], described["cause"]) == ("ABORTED", "Op", "manual")
    with pytest.raises(client.exceptions.TaskTimedOut):
        client.send_task_success(taskToken=tokens[-1], output="{}")
    with pytest.raises(client.exceptions.InvalidToken):
        client.send_task_failure(taskToken="garbage", error="E")
    with pytest.raises(client.exceptions.StateMachineDoesNotExist):
        client.describe_state_machine(stateMachineArn=arn + "-gone")


def test_unknown_operations_and_bad_bodies_are_client_errors(sfn: LocalStepFunctions) -> None:
    protocol = StepFunctionsProtocol(sfn)
    assert protocol.handle_request("AWSStepFunctions.Nope", b"{}")[0] == 400
    status, body = protocol.handle_request("AWSStepFunctions.StartExecution", b"[1]")
    assert (status, body["__type"]) == (400, "ValidationException")
    status, body = protocol.handle_request("AWSStepFunctions.StartExecution", b"{}")
    assert (status, body["__type"]) == (400, "ValidationException")
