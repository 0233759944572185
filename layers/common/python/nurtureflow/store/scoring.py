"""The scoring rules: one item in the workflows table, under a key no workflow id can take."""

from __future__ import annotations

from typing import Any

from nurtureflow.aws.clients import dynamodb_table
from nurtureflow.store.items import to_dynamo, to_plain

# Workflow ids are lowercase letters, digits and '-': '#' keeps this item out of their way.
KEY = {"pk": "#scoring", "sk": "rules"}


class ScoringRulesRepository:
    def __init__(self, table_name: str) -> None:
        self._table = dynamodb_table(table_name)

    def get(self) -> dict[str, Any] | None:
        """The uploaded document with ``updated_at``, or None before any upload."""
        item = self._table.get_item(Key=KEY, ConsistentRead=True).get("Item")
        if item is None:
            return None
        return {k: v for k, v in to_plain(item).items() if k not in KEY}

    def put(self, document: dict[str, Any], now: str) -> None:
        self._table.put_item(Item=to_dynamo({**document, "updated_at": now, **KEY}))
