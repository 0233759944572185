"""The cost ledger table: one item per costed thing, partitioned by day (pk day, sk entry id).

Writing a line also adds it to its rollups (``store.cost_rollups``) in the same DynamoDB
transaction: the line is put only if its id is new, and the rollups' counters move only if the line
is put. A retried write (a Lambda retry, a redelivered event) fails the line's condition, so the
whole transaction is cancelled and nothing is counted twice; a transaction that fails for any other
reason writes nothing and raises, so the caller's retry starts again from nothing. There is no
state in between: no line without its rollups, no rollups without their line.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from nurtureflow.aws.clients import dynamodb_table
from nurtureflow.costs.ledger import LedgerEntry, from_item, to_item
from nurtureflow.store import once
from nurtureflow.store.cost_rollups import rollup_updates, serialize


class LedgerRepository:
    def __init__(self, table_name: str, rollups_table_name: str) -> None:
        self._name, self._rollups_name = table_name, rollups_table_name
        self._table = dynamodb_table(table_name)

    def record(self, entry: LedgerEntry) -> bool:
        """Write the line and add it to its rollups, once: False when its id was already recorded.

        The first write of an id wins: a retried send keeps its first line (and its first measured
        duration) rather than replacing it.
        """
        return once.write(self._once_write(entry))

    def _once_write(self, entry: LedgerEntry) -> once.OnceWrite:
        item = {**to_item(entry), "pk": entry.day.isoformat(), "sk": entry.entry_id}
        put = {
            "Put": {
                "TableName": self._name,
                "Item": {k: serialize(v) for k, v in item.items()},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        return once.OnceWrite(guard=put, effects=tuple(rollup_updates(entry, self._rollups_name)))

    def between(self, start: date, end: date) -> Iterator[LedgerEntry]:
        """Every line dated ``start`` to ``end``: for audits and checks; reports read the rollups."""
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
