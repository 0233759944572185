"""The cost ledger table: one item per costed thing, partitioned by day (pk day, sk entry id)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from nurtureflow.aws.clients import dynamodb_table
from nurtureflow.costs.ledger import LedgerEntry, from_item, to_item


class LedgerRepository:
    def __init__(self, table_name: str) -> None:
        self._table = dynamodb_table(table_name)

    def record(self, entry: LedgerEntry) -> None:
        """Idempotent by entry id: a retried send overwrites its own line, never adds one."""
        item = to_item(entry)
        self._table.put_item(Item={**item, "pk": entry.day.isoformat(), "sk": entry.entry_id})

    def between(self, start: date, end: date) -> Iterator[LedgerEntry]:
        day = start
        while day <= end:
            kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(day.isoformat())}
            while True:
                page = self._table.query(**kwargs)
                for item in page["Items"]:
                    yield from_item({k: v for k, v in item.items() if k not in ("pk", "sk")})
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            day += timedelta(days=1)
