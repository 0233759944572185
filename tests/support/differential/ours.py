"""Running a definition on our runtime: Lambda tasks answered in-process, the virtual clock moved on."""

from __future__ import annotations

import copy
import json
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from nurtureflow.clock import VirtualClock
from nurtureflow.local.stepfunctions import LocalStepFunctions

from .outcome import Outcome, billed_transitions, issued_tokens, outcome_from, task_calls
from .script import Fail, Script, Succeed

# moto's default account: the same ARNs on both engines, so that outputs quoting them compare equal.
ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/differential"
START = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


class OurEngine:
    """``LocalStepFunctions`` on a virtual clock; its task invoker answers from the running script."""

    def __init__(self) -> None:
        self.sfn = LocalStepFunctions(
            self._invoke, clock=VirtualClock(START), region=REGION, account_id=ACCOUNT, random=lambda: 0.5
        )
        self._execution_arn = ""
        self._script = Script({})
        self._replay: deque[Any] | None = None
        self._results: list[Any] = []

    def create(self, name: str, definition: dict[str, Any]) -> str:
        return str(self.sfn.create_state_machine(name, json.dumps(definition), ROLE)["stateMachineArn"])

    def run(
        self, machine_arn: str, name: str, script: Script, replay: Sequence[Any] | None = None
    ) -> tuple[Outcome, list[Any]]:
        """Run to the end; returns what happened and the Lambda results given, in call order.

        Lambda results come from ``script`` by state name, or, with ``replay``, from that list in order.
        """
        self._script, self._results = script, []
        self._replay = deque(replay) if replay is not None else None
        self._execution_arn = str(
            self.sfn.start_execution(machine_arn, name=name, input=json.dumps(script.input))["executionArn"]
        )
        self._drive(script)
        execution = self.sfn.get_execution(self._execution_arn)
        description = self.sfn.describe_execution(self._execution_arn)
        events = execution.history.events
        transitions = int(description["nurtureflowTransitions"])
        assert billed_transitions(events) == transitions, "the history no longer tells the billed transitions"
        return outcome_from(description, events, transitions), self._results

    def _drive(self, script: Script) -> None:
        """Run what is due; answer new task tokens as scripted; else move the clock to the next timer."""
        execution = self.sfn.get_execution(self._execution_arn)
        answered = 0
        self.sfn.run_due()
        while execution.running:
            tokens = issued_tokens(execution.history.events)
            if len(tokens) > answered:
                for token in tokens[answered:]:
                    answer = script.callback(token.state, token.index)
                    if isinstance(answer, Succeed):
                        self.sfn.send_task_success(token.value, json.dumps(answer.output))
                    elif isinstance(answer, Fail):
                        self.sfn.send_task_failure(token.value, answer.error, answer.cause)
                answered = len(tokens)
                self.sfn.run_due()
                continue
            due = self.sfn.next_due()
            assert due is not None, "a running execution with nothing to wait for"
            self.sfn.advance(max(due - self.sfn.clock.now(), timedelta(0)))

    def _invoke(self, function_name: str, payload: Any) -> Any:
        if self._replay is not None:
            result = self._replay.popleft()
        else:
            calls = task_calls(self.sfn.get_execution(self._execution_arn).history.events)
            result = self._script.result(calls[-1], calls.count(calls[-1]) - 1)
        self._results.append(result)
        return copy.deepcopy(result)
