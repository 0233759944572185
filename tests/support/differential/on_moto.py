"""Running a definition on moto's Step Functions interpreter (derived from LocalStack's), without Docker.

moto 5.2's interpreter calls Lambda through moto's own Lambda mock. LocalStack's MockConfigFile
(per-state mocked responses) is present in moto's source but switched off: ``load_mock_test_case_for``
never loads a file and ``StartExecution`` passes no test case. What moto offers instead is its
Docker-free Lambda (``config={"lambda": {"use_docker": False}}``), whose ``Invoke`` returns, first in
first out, the results queued through the moto API (``POST /moto-api/static/lambda-simple/response``,
here its in-process twin ``moto_api_backend.set_lambda_simple_result``). One queue serves every
function, so results are queued in the order the run will call them: the order our runtime called them
in. If moto were to call them in another order, the states it enters would differ, which the comparison
reports anyway.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import boto3
from moto import mock_aws
from moto.moto_api._internal.models import moto_api_backend

from .ours import ACCOUNT, REGION, ROLE
from .outcome import Outcome, billed_transitions, issued_tokens, outcome_from
from .script import Callback, Fail, Script, Succeed

CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
POLL_SECONDS = 0.001
RUN_LIMIT_SECONDS = 60.0


class MotoEngine:
    """moto's interpreter through boto3, inside :func:`moto_engine`'s ``mock_aws``."""

    def __init__(self) -> None:
        self.client = boto3.client("stepfunctions", region_name=REGION)
        self._queue = _lambda_queue()

    def create(self, name: str, definition: dict[str, Any]) -> str:
        created = self.client.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)
        return str(created["stateMachineArn"])

    def run(
        self, machine_arn: str, name: str, script: Script, results: Sequence[Any], tokens: int | None = None
    ) -> Outcome:
        """Run to the end, the Lambda tasks answering ``results`` in order, task tokens as scripted.

        ``tokens``: how many task tokens the run will issue, when known (the benchmark knows it from our
        runtime's run): once they are answered, polling reads the status alone, not the whole history.
        """
        assert not self._queue, "Lambda results left over from an earlier run"
        for result in results:
            moto_api_backend.set_lambda_simple_result(json.dumps(result), ACCOUNT, REGION)
        arn = self.client.start_execution(
            stateMachineArn=machine_arn, name=name, input=json.dumps(script.input)
        )["executionArn"]
        description = self._drive(arn, script, tokens)
        events = self._history(arn)
        unused = len(self._queue)
        self._queue.clear()
        assert unused == 0, f"moto left {unused} of {len(results)} Lambda results unused"
        return outcome_from(description, events, billed_transitions(events))

    def _drive(self, arn: str, script: Script, expected: int | None) -> dict[str, Any]:
        """Poll until the run ends, answering each new task token as scripted."""
        answered = 0
        deadline = time.monotonic() + RUN_LIMIT_SECONDS
        while True:
            description = self.client.describe_execution(executionArn=arn)
            if description["status"] != "RUNNING":
                return description
            if expected is None or answered < expected:
                tokens = issued_tokens(self._history(arn))
                for token in tokens[answered:]:
                    self._answer(token.value, script.callback(token.state, token.index))
                answered = len(tokens)
            assert time.monotonic() < deadline, f"moto's run {arn} did not end in {RUN_LIMIT_SECONDS} s"
            time.sleep(POLL_SECONDS)

    def _answer(self, token: str, answer: Callback) -> None:
        if isinstance(answer, Succeed):
            self.client.send_task_success(taskToken=token, output=json.dumps(answer.output))
        elif isinstance(answer, Fail):
            self.client.send_task_failure(taskToken=token, error=answer.error, cause=answer.cause)

    def _history(self, arn: str) -> list[dict[str, Any]]:
        pages = self.client.get_paginator("get_execution_history").paginate(executionArn=arn)
        return [event for page in pages for event in page["events"]]


@contextmanager
def moto_engine() -> Iterator[MotoEngine]:
    """moto's Step Functions that executes state machines, and its Docker-free Lambda."""
    # moto logs an ERROR whenever a path is missing, even for a Choice's IsPresent: false, which is no error.
    noisy = logging.getLogger("moto.stepfunctions.parser.asl.component.eval_component")
    level = noisy.level
    noisy.setLevel(logging.CRITICAL)
    try:
        with mock_aws(config=CONFIG):  # type: ignore[arg-type]
            yield MotoEngine()
    finally:
        noisy.setLevel(level)


def _lambda_queue() -> list[str]:
    """The Docker-free Lambda's result queue, to check that a run used every result it was given."""
    from moto.awslambda_simple.models import lambda_simple_backends

    queue: list[str] = lambda_simple_backends[ACCOUNT][REGION].lambda_simple_results_queue
    return queue
