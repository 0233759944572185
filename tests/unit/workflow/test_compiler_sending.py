"""What the compiler gives each email task: SES throttling retried with full jitter and a bound, the
retry count the send handler reads, and the workflow's consent setting."""

from __future__ import annotations

from typing import Any

import pytest

from nurtureflow.sending.retries import SEND_THROTTLE_RETRY, THROTTLE_RETRIES, is_last_attempt
from nurtureflow.workflow.compiler import TaskFunctions, compile_workflow
from nurtureflow.workflow.errors import WorkflowInvalidError
from nurtureflow.workflow.validate import validate_workflow
from tests.support.asl import asl_problems

FUNCTIONS = TaskFunctions(
    step_arn="arn:aws:lambda:us-east-1:123456789012:function:nurtureflow-step",
    send_arn="arn:aws:lambda:us-east-1:123456789012:function:nurtureflow-send",
)


def _workflow(settings: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": "workflow/v1",
        "id": "news",
        "name": "News",
        "trigger": {"event": "form_submitted"},
        "settings": settings,
        "start": "issue",
        "steps": {"issue": {"type": "email", "template": "t", "next": "tag"}, "tag": {"type": "exit"}},
    }


def _issue(settings: dict[str, Any]) -> dict[str, Any]:
    definition = compile_workflow(validate_workflow(_workflow(settings), lambda t: True), 1, FUNCTIONS)
    assert asl_problems([definition]) == ""
    return dict(definition["States"]["issue"])


def test_an_email_task_retries_throttling_with_full_jitter_and_bounded_waits() -> None:
    retry = _issue({})["Retry"]
    throttle = next(r for r in retry if r["ErrorEquals"] == ["SendThrottledError"])
    assert throttle == SEND_THROTTLE_RETRY
    assert throttle["JitterStrategy"] == "FULL"
    assert throttle["MaxAttempts"] == THROTTLE_RETRIES
    assert throttle["IntervalSeconds"] >= 1
    assert throttle["MaxDelaySeconds"] <= 300
    # Retried before the catch-all: an exhausted throttle never reaches the failure path, because
    # the handler answers "failed" on the last attempt instead of raising.
    assert _issue({})["Catch"][0]["ErrorEquals"] == ["States.ALL"]


def test_the_email_payload_carries_the_retry_count_and_the_consent_setting() -> None:
    payload = _issue({"consent": "double_opt_in"})["Parameters"]["Payload"]
    assert payload["attempt.$"] == "$$.State.RetryCount"
    assert payload["consent"] == "double_opt_in"
    assert "consent" not in _issue({})["Parameters"]["Payload"]


def test_an_unknown_consent_setting_is_refused_naming_the_field() -> None:
    with pytest.raises(WorkflowInvalidError) as refused:
        validate_workflow(_workflow({"consent": "whenever"}), lambda t: True)
    assert [issue.pointer for issue in refused.value.issues] == ["/settings/consent"]


def test_the_last_attempt_is_the_throttling_retriers_last() -> None:
    assert not is_last_attempt(THROTTLE_RETRIES - 1)
    assert is_last_attempt(THROTTLE_RETRIES)
