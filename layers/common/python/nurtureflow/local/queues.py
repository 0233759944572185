"""What a Lambda event source mapping hands a function that reads an SQS queue: a batch of records
(https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html, "Example standard queue message
event"). The local stack delivers each message at once, in a batch of its own, and receives none
again: a message the function fails on is logged, where in AWS it would be received again after the
queue's visibility timeout and then kept in the queue's dead-letter queue."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any


def sqs_batch(queue_arn: str, body: str, sent: datetime, region: str) -> dict[str, Any]:
    """One message's batch, as Lambda builds it from a ``ReceiveMessage``."""
    millis = str(int(sent.timestamp() * 1000))
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": f"local-{uuid.uuid4().hex}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": millis,
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": millis,
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        ]
    }


def failed_messages(answer: Any) -> list[str]:
    """The message ids a function reported as failed (``ReportBatchItemFailures``)."""
    failures = answer.get("batchItemFailures") if isinstance(answer, dict) else None
    return [str(f.get("itemIdentifier")) for f in failures or []]
