"""Many items by key in as few reads as DynamoDB allows: BatchGetItem, 100 keys a call, and the
keys it leaves unread (throttling, the 16 MB limit) asked again after a jittered pause
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html)."""

from __future__ import annotations

import random
import time
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from nurtureflow.aws.clients import client
from nurtureflow.store.items import to_dynamo, to_plain

BATCH_GET = 100  # BatchGetItem's most keys per call
UNPROCESSED_ATTEMPTS = 8


def read_many(table: str, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items of ``table`` stored under ``keys`` (plain key dicts), as plain dicts, consistently
    read; keys with no item are left out, and the order is DynamoDB's."""
    serializer, deserializer = TypeSerializer(), TypeDeserializer()
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), BATCH_GET):
        chunk = [
            {k: serializer.serialize(to_dynamo(v)) for k, v in key.items()}
            for key in keys[start : start + BATCH_GET]
        ]
        request: dict[str, Any] = {table: {"Keys": chunk, "ConsistentRead": True}}
        for attempt in range(UNPROCESSED_ATTEMPTS):
            answer = client("dynamodb").batch_get_item(RequestItems=request)
            for item in answer.get("Responses", {}).get(table, []):
                found.append({k: to_plain(deserializer.deserialize(v)) for k, v in item.items()})
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                break
            time.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 (jitter, not secrecy)
        else:
            raise RuntimeError(f"DynamoDB left items of {table} unread after {UNPROCESSED_ATTEMPTS} attempts")
    return found
