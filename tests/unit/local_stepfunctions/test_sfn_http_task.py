"""``arn:aws:states:::http:invoke``, the HTTP Task, as the AWS page "Call HTTPS APIs in Step Functions
workflows" describes it (https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html):
the request the invoker gets, a non-2xx answer as ``States.Http.StatusCode.<code>``, no answer as
``States.Http.Socket``, definitions it refuses, and the role's ``states:InvokeHTTPEndpoint`` with
the endpoint and method as condition keys. What it calls is the invoker's business (``HTTP_TARGET``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nurtureflow.clock import VirtualClock
from nurtureflow.local.stepfunctions import AccessDeniedError, LocalStepFunctions
from nurtureflow.local.stepfunctions.http_task import HTTP_TARGET, HttpSocketError
from tests.unit.local_stepfunctions.conftest import ROLE, FakeInvoker

CONNECTION = "arn:aws:events:us-east-1:000000000000:connection/crm/abc"
URL = "https://crm.example.net/hooks/lead"


def _definition(**parameters: Any) -> dict[str, Any]:
    call = {
        "Type": "Task",
        "Resource": "arn:aws:states:::http:invoke",
        "Parameters": {
            "ApiEndpoint": URL,
            "Method": "POST",
            "Authentication": {"ConnectionArn": CONNECTION},
            "Headers": {"Content-Type": "application/json", "X-Sig.$": "$.sig"},
            "RequestBody.$": "$.body",
            **parameters,
        },
        "ResultSelector": {"status.$": "$.StatusCode", "body.$": "$.ResponseBody"},
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}],
        "End": True,
    }
    return {"StartAt": "Call", "States": {"Call": call, "Caught": {"Type": "Pass", "End": True}}}


def _run(sfn: LocalStepFunctions, definition: dict[str, Any], name: str = "hook") -> dict[str, Any]:
    arn = sfn.create_state_machine(name, json.dumps(definition), ROLE)["stateMachineArn"]
    started = sfn.start_execution(arn, input=json.dumps({"body": '{"a":1}', "sig": "t=1,v1=ab"}))
    sfn.run_due()
    return sfn.describe_execution(started["executionArn"])


def _answering(invoker: FakeInvoker, answer: Any) -> None:
    def respond(request: dict[str, Any]) -> Any:
        if isinstance(answer, Exception):
            raise answer
        return answer

    invoker.functions[HTTP_TARGET] = respond


def _ok(status: int = 200, body: Any = None) -> dict[str, Any]:
    return {"StatusCode": status, "StatusText": "OK", "Headers": {}, "ResponseBody": body or {}}


def test_the_invoker_gets_the_request_and_the_task_its_answer(
    sfn: LocalStepFunctions, invoker: FakeInvoker
) -> None:
    _answering(invoker, _ok(201, {"tier": "gold"}))
    described = _run(sfn, _definition(QueryParameters={"source": "nf"}))
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"status": 201, "body": {"tier": "gold"}}
    [(target, request)] = invoker.calls
    assert target == HTTP_TARGET
    assert request == {
        "url": URL + "?source=nf",
        "method": "POST",
        "headers": {"Content-Type": "application/json", "X-Sig": "t=1,v1=ab"},
        "body": '{"a":1}',  # a string body is sent as it is: what was signed
        "connection": CONNECTION,
    }


@pytest.mark.parametrize(("answer", "error"), [
    (_ok(503, {"error": "down"}), "States.Http.StatusCode.503"),
    (_ok(404), "States.Http.StatusCode.404"),
    (HttpSocketError("no answer"), "States.Http.Socket"),
])  # fmt: skip
def test_a_failed_call_is_an_error_catchers_and_retriers_name(
    sfn: LocalStepFunctions, invoker: FakeInvoker, answer: Any, error: str
) -> None:
    _answering(invoker, answer)
    output = json.loads(_run(sfn, _definition())["output"])
    assert output["error"]["Error"] == error
    if error.startswith("States.Http.StatusCode"):
        assert json.loads(output["error"]["Cause"])["StatusCode"] == int(error.rsplit(".", 1)[1])


@pytest.mark.parametrize(("parameters", "says"), [
    ({"ApiEndpoint": "http://crm.example.net/hooks"}, "https://"),
    ({"Method": "TRACE"}, "Method must be one of"),
    ({"Authentication": {}}, "ConnectionArn"),
    ({"Headers": {"Authorization": "Bearer x"}}, "'Authorization' may not be set"),
    ({"Headers": {"X-Amz-Date": "now"}}, "may not be set"),
])  # fmt: skip
def test_a_definition_aws_would_not_run_fails_the_execution(
    sfn: LocalStepFunctions, invoker: FakeInvoker, parameters: dict[str, Any], says: str
) -> None:
    _answering(invoker, _ok())
    described = _run(sfn, _definition(**parameters))
    assert (described["status"], described["error"]) == ("FAILED", "States.Runtime")
    assert says in described["cause"]
    assert invoker.calls == []


class _Role:
    """Allows InvokeHTTPEndpoint only for endpoints under ``base`` (as the role's condition does)."""

    def __init__(self, base: str) -> None:
        self.base, self.asked = base, list[tuple[Any, ...]]()

    def __call__(
        self, role_arn: str, action: str, resource: str, context: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self.asked.append((action, resource, dict(context)))
        keys = dict(context)
        if action == "states:InvokeHTTPEndpoint" and not keys.get("states:HTTPEndpoint", "").startswith(
            self.base
        ):
            raise AccessDeniedError("not under the connection's base URL")


def test_the_role_is_asked_with_the_endpoint_and_method_and_a_refusal_is_states_permissions(
    clock: VirtualClock, invoker: FakeInvoker
) -> None:
    _answering(invoker, _ok())
    role = _Role("https://crm.example.net/")
    sfn = LocalStepFunctions(invoker, clock=clock, authorize=role)
    assert _run(sfn, _definition())["status"] == "SUCCEEDED"
    action, resource, keys = role.asked[0]
    assert (action, keys) == (
        "states:InvokeHTTPEndpoint",
        {"states:HTTPEndpoint": URL, "states:HTTPMethod": "POST"},
    )
    assert resource.endswith(":stateMachine:hook")
    assert role.asked[1][:2] == ("events:RetrieveConnectionCredentials", CONNECTION)

    invoker.calls.clear()
    output = json.loads(_run(sfn, _definition(ApiEndpoint="https://other.example.net/x"), "other")["output"])
    assert output["error"]["Error"] == "States.Permissions"
    assert invoker.calls == []
