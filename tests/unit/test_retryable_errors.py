"""Passing AWS failures become RetryableError, which every compiled Lambda task retries."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from nurtureflow.aws.errors import RetryableError, transient_as_retryable
from nurtureflow.workflow.compiler import TaskFunctions, compile_workflow
from nurtureflow.workflow.validate import validate_workflow


def _client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "x"}}, "PutItem")


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError"]
)
def test_throttling_and_passing_failures_become_retryable(code: str) -> None:
    with pytest.raises(RetryableError), transient_as_retryable():
        raise _client_error(code)


def test_other_errors_pass_through_unchanged() -> None:
    with pytest.raises(ClientError), transient_as_retryable():
        raise _client_error("ValidationException")


def test_every_lambda_task_retries_retryable_error(cart_recovery: dict[str, Any]) -> None:
    functions = TaskFunctions(
        "arn:aws:lambda:us-east-1:1:function:step", "arn:aws:lambda:us-east-1:1:function:send"
    )
    states = compile_workflow(validate_workflow(cart_recovery, lambda t: True), 1, functions)["States"]
    tasks = [s for s in states.values() if s["Type"] == "Task"]
    assert tasks
    for task in tasks:
        assert any(
            r["ErrorEquals"] == ["RetryableError"] and r["JitterStrategy"] == "FULL" for r in task["Retry"]
        )
