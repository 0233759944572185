"""The broadcast state machine (ASL): one definition, deployed by the stack and run by the local runtime.

Wait for ``send_at``; then, page after page: read a page of the segment (a Lambda pages the
contacts table and evaluates the segment), send its batches through a Distributed Map with as
many batches at once as the page's answer asks (each batch a child execution, so this execution's
history grows by page, not by batch), and wait until the page's share of time at the set rate has
passed. After a set number of pages the execution starts its successor (the same machine, the
cursor, the next generation's name) and ends, so no history nears its 25,000-event limit whatever
the segment's size.
docs/broadcasts.md gives the arithmetic.
"""

from __future__ import annotations

from typing import Any

from nurtureflow.sending.retries import SEND_THROTTLE_RETRY
from nurtureflow.workflow.compiler import LAMBDA_INVOKE, LAMBDA_RETRY, PLATFORM_RETRY

FAILURE = {"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "RecordFailure"}
START_EXECUTION = "arn:aws:states:::states:startExecution"
# The successor's name is taken: a retried start whose first try got through. That run is ours.
ALREADY_STARTED = "StepFunctions.ExecutionAlreadyExistsException"


def start_input(broadcast_id: str, send_at: str) -> dict[str, Any]:
    """The first execution's input: which broadcast, when, generation 0 and an empty cursor."""
    return {
        "broadcast": broadcast_id,
        "send_at": send_at,
        "generation": 0,
        "page": {"cursor": None, "read": 0},
    }


def execution_name(broadcast_id: str, generation: int) -> str:
    """Generation 0 is named by the broadcast id, each successor by the id and its generation."""
    return broadcast_id if generation == 0 else f"{broadcast_id}-g{generation}"


def _continue_as_new() -> dict[str, Any]:
    """Start the next generation: the same machine, from the cursor, once the page's next_at comes.

    Name and input are the same on every try of this state, so a retried start that had got through
    returns the running successor (StartExecution's idempotency), or finds the name taken.
    """
    next_generation = "States.MathAdd($.generation, 1)"
    return {
        "Type": "Task",
        "Resource": START_EXECUTION,
        "Parameters": {
            "StateMachineArn.$": "$$.StateMachine.Id",
            "Name.$": f"States.Format('{{}}-g{{}}', $.broadcast, {next_generation})",
            "Input": {
                "broadcast.$": "$.broadcast",
                # The successor waits for it first: the pacing holds across executions.
                "send_at.$": "$.page.next_at",
                "generation.$": next_generation,
                "page": {"cursor.$": "$.page.cursor", "read": 0},
                "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id",
            },
        },
        "Retry": [
            {"ErrorEquals": [ALREADY_STARTED], "MaxAttempts": 0},
            {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3, "JitterStrategy": "FULL"},
        ],
        "ResultPath": None,
        "Catch": [{"ErrorEquals": [ALREADY_STARTED], "ResultPath": None, "Next": "Continued"}, FAILURE],
        "Next": "Continued",
    }


def _task(function_arn: str, payload: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE,
        "Parameters": {"FunctionName": function_arn, "Payload": payload},
        "Retry": [LAMBDA_RETRY, PLATFORM_RETRY],
        **fields,
    }


def broadcast_definition(function_arn: str) -> dict[str, Any]:
    """The state machine of every broadcast; ``function_arn`` is the broadcast function."""
    batch = _task(
        function_arn,
        {
            "action": "batch",
            "broadcast.$": "$.broadcast",
            "contacts.$": "$.contacts",
            "interval.$": "$.interval",
            "attempt.$": "$$.State.RetryCount",
        },
        ResultSelector={"counted.$": "$.Payload.counted"},
        # SES's rate refused a send: retried with full jitter; on the last attempt the send is
        # recorded as failed (Delivery reads the attempt) instead of failing the whole broadcast.
        Retry=[SEND_THROTTLE_RETRY, LAMBDA_RETRY, PLATFORM_RETRY],
        End=True,
    )
    return {
        "Comment": "A broadcast: wait for send_at, then send the segment page by page at the set rate",
        "StartAt": "WaitForSendAt",
        "States": {
            "WaitForSendAt": {"Type": "Wait", "TimestampPath": "$.send_at", "Next": "ReadPage"},
            "ReadPage": _task(
                function_arn,
                {
                    "action": "page",
                    "broadcast.$": "$.broadcast",
                    "cursor.$": "$.page.cursor",
                    "read.$": "$.page.read",
                    "execution.$": "$$.Execution.Id",
                },
                ResultSelector={
                    "batches.$": "$.Payload.batches",
                    "cursor.$": "$.Payload.cursor",
                    "done.$": "$.Payload.done",
                    "next_at.$": "$.Payload.next_at",
                    "read.$": "$.Payload.read",
                    "continue.$": "$.Payload.continue",
                    "concurrency.$": "$.Payload.concurrency",
                    "interval.$": "$.Payload.interval",
                },
                ResultPath="$.page",
                Catch=[FAILURE],
                Next="SendBatches",
            ),
            "SendBatches": {
                "Type": "Map",
                "ItemsPath": "$.page.batches",
                # The batches in flight that keep up with the rate (``sending.batch_concurrency``).
                "MaxConcurrencyPath": "$.page.concurrency",
                "ItemSelector": {
                    "broadcast.$": "$.broadcast",
                    "contacts.$": "$$.Map.Item.Value",
                    "interval.$": "$.page.interval",
                },
                "ItemProcessor": {
                    # Always distributed: see docs/broadcasts.md ("Distributed Map, always").
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "SendBatch",
                    "States": {"SendBatch": batch},
                },
                "ResultPath": None,
                # A batch that fails for good fails its child execution, and so the map run, with
                # States.ExceedToleratedFailureThreshold (no failure is tolerated): caught here.
                "Catch": [FAILURE],
                "Next": "MorePages",
            },
            "MorePages": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.page.done", "BooleanEquals": True, "Next": "Finish"},
                    {"Variable": "$.page.continue", "BooleanEquals": True, "Next": "ContinueAsNew"},
                ],
                "Default": "Pace",
            },
            # The rate: the next page is read no sooner than its predecessor's share of time allows.
            "Pace": {"Type": "Wait", "TimestampPath": "$.page.next_at", "Next": "ReadPage"},
            "ContinueAsNew": _continue_as_new(),
            "Continued": {"Type": "Succeed", "Comment": "the successor goes on from the cursor"},
            "Finish": _task(
                function_arn,
                {"action": "finish", "broadcast.$": "$.broadcast"},
                ResultPath=None,
                Catch=[FAILURE],
                End=True,
            ),
            "RecordFailure": _task(
                function_arn,
                {"action": "fail", "broadcast.$": "$.broadcast", "failure.$": "$.failure"},
                ResultPath=None,
                Next="Failed",
            ),
            "Failed": {
                "Type": "Fail",
                "Error": "BroadcastFailed",
                "Cause": "a page or batch failed for good",
            },
        },
    }
