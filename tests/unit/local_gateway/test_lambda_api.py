"""Lambda's asynchronous Invoke in the local stack: 202 at once, the function run afterwards on a
worker, one at a time with the gateway's requests, and AWS's refusals for what Lambda refuses
(https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html)."""

from __future__ import annotations

import json
import threading
from typing import Any

from nurtureflow.local.lambda_api import MAX_EVENT_PAYLOAD, LocalLambdaApi


class _Functions:
    def __init__(self) -> None:
        self.ran: list[tuple[str, Any, bool]] = []
        self.turn = threading.Lock()
        self.after_runs = 0

    def run(self, function: str, event: Any) -> Any:
        # Whether the gateway's lock was held while the function ran.
        self.ran.append((function, event, self.turn.locked()))
        if event.get("boom"):
            raise RuntimeError("the handler failed")
        return {}

    def after(self) -> None:
        self.after_runs += 1


def _api(functions: _Functions) -> LocalLambdaApi:
    api = LocalLambdaApi(
        functions.run, lambda name: name == "forecast", lambda: functions.turn, functions.after
    )
    api.start()
    return api


def test_an_event_invocation_answers_202_and_runs_after_the_request_holding_the_gateway() -> None:
    functions = _Functions()
    api = _api(functions)
    with functions.turn:  # the request that invokes holds the gateway: the function waits for it
        status, _, body = api.invoke("forecast", "Event", json.dumps({"job": "f_1"}).encode())
        assert (status, body) == (202, b"")
        assert functions.ran == []
    assert api.wait_idle(timeout=10)
    assert functions.ran == [("forecast", {"job": "f_1"}, True)]
    assert functions.after_runs == 1
    api.stop()


def test_a_failing_invocation_is_dropped_and_the_next_one_still_runs() -> None:
    functions = _Functions()
    api = _api(functions)
    api.invoke("forecast", "Event", b'{"boom": true}')
    api.invoke("forecast", "Event", b'{"job": "f_2"}')
    assert api.wait_idle(timeout=10)
    assert [event for _, event, _ in functions.ran] == [{"boom": True}, {"job": "f_2"}]
    api.stop()


def test_what_lambda_refuses_is_refused_and_never_run() -> None:
    functions = _Functions()
    api = _api(functions)
    refused = {
        ("nope", "Event", b"{}"): (404, "ResourceNotFoundException"),
        ("forecast", "RequestResponse", b"{}"): (400, "InvalidParameterValueException"),
        ("forecast", "Event", b"{not json"): (400, "InvalidRequestContentException"),
        ("forecast", "Event", b'"' + b"x" * MAX_EVENT_PAYLOAD + b'"'): (
            413,
            "RequestEntityTooLargeException",
        ),
    }
    for (function, kind, payload), (status, code) in refused.items():
        answered, headers, _ = api.invoke(function, kind, payload)
        assert (answered, headers["X-Amzn-ErrorType"]) == (status, code), (function, kind)
    assert api.wait_idle(timeout=1)
    assert functions.ran == []
    api.stop()
