"""The broadcast state machine (ASL): one definition, deployed by the stack and run by the local runtime.

Wait for ``send_at``; then, page after page: read a page of the segment (a Lambda pages the
contacts table and evaluates the segment), send its batches through an inline Map with
``MaxConcurrency``, and wait until the page's share of time at the set rate has passed.
An inline Map over pages (not a Distributed Map with an ItemReader) so that the same definition
runs locally; docs/broadcasts.md gives the size this holds and the way beyond it.
"""

from __future__ import annotations

from typing import Any

from nurtureflow.workflow.compiler import LAMBDA_INVOKE, LAMBDA_RETRY, PLATFORM_RETRY

MAX_CONCURRENCY = 2  # batches in flight at once; each batch sends its contacts one after another
FAILURE = {"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "RecordFailure"}


def start_input(broadcast_id: str, send_at: str) -> dict[str, Any]:
    """The execution's input: which broadcast, when, and an empty cursor (the first page)."""
    return {"broadcast": broadcast_id, "send_at": send_at, "page": {"cursor": None}}


def _task(function_arn: str, payload: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE,
        "Parameters": {"FunctionName": function_arn, "Payload": payload},
        "Retry": [LAMBDA_RETRY, PLATFORM_RETRY],
        **fields,
    }


def broadcast_definition(function_arn: str, max_concurrency: int = MAX_CONCURRENCY) -> dict[str, Any]:
    """The state machine of every broadcast; ``function_arn`` is the broadcast function."""
    batch = _task(
        function_arn,
        {"action": "batch", "broadcast.$": "$.broadcast", "contacts.$": "$.contacts"},
        ResultSelector={"counted.$": "$.Payload.counted"},
        End=True,
    )
    return {
        "Comment": "A broadcast: wait for send_at, then send the segment page by page at the set rate",
        "StartAt": "WaitForSendAt",
        "States": {
            "WaitForSendAt": {"Type": "Wait", "TimestampPath": "$.send_at", "Next": "ReadPage"},
            "ReadPage": _task(
                function_arn,
                {"action": "page", "broadcast.$": "$.broadcast", "cursor.$": "$.page.cursor"},
                ResultSelector={
                    "batches.$": "$.Payload.batches",
                    "cursor.$": "$.Payload.cursor",
                    "done.$": "$.Payload.done",
                    "next_at.$": "$.Payload.next_at",
                },
                ResultPath="$.page",
                Catch=[FAILURE],
                Next="SendBatches",
            ),
            "SendBatches": {
                "Type": "Map",
                "ItemsPath": "$.page.batches",
                "MaxConcurrency": max_concurrency,
                "ItemSelector": {"broadcast.$": "$.broadcast", "contacts.$": "$$.Map.Item.Value"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "SendBatch",
                    "States": {"SendBatch": batch},
                },
                "ResultPath": None,
                "Catch": [FAILURE],
                "Next": "MorePages",
            },
            "MorePages": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.page.done", "BooleanEquals": True, "Next": "Finish"}],
                "Default": "Pace",
            },
            # The rate: the next page is read no sooner than its predecessor's share of time allows.
            "Pace": {"Type": "Wait", "TimestampPath": "$.page.next_at", "Next": "ReadPage"},
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
