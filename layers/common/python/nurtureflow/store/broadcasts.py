"""The broadcasts table: one item per broadcast (sk ``broadcast``) and count-once markers beside it.

Progress is kept in atomic counters on the broadcast's item. A counter moves in the same
transaction as a marker item named after what is counted (a page, a contact), so a retried page or
batch never counts twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from nurtureflow.aws.clients import client, dynamodb_table
from nurtureflow.store.batch_reads import read_many
from nurtureflow.store.items import to_dynamo, to_plain
from nurtureflow.store.tables import BROADCASTS_BY_TIME

ITEM = "broadcast"
_BROADCAST_ID = re.compile(r"b_[0-9a-f]{24}")
_MARKER = "counted#"
_serialise = TypeSerializer().serialize


class BroadcastExistsError(Exception):
    """A broadcast with this id exists already."""


class BroadcastStatusError(Exception):
    """The broadcast is not in a status the change allows; ``status`` is the one it has (None: no item)."""

    def __init__(self, status: str | None) -> None:
        super().__init__(f"the broadcast is {status or 'missing'}")
        self.status = status


class BroadcastRepository:
    def __init__(self, table_name: str) -> None:
        self._name = table_name
        self._table = dynamodb_table(table_name)

    def create(self, item: dict[str, Any]) -> None:
        """Store a new broadcast with zeroed counters."""
        counters = {"matched": 0, "sent": 0, "failed": 0, "skipped": {}, "pages": 0, "batches": 0}
        try:
            self._table.put_item(
                Item=to_dynamo({**counters, **item, "pk": item["id"], "sk": ITEM, "listed": ITEM}),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise BroadcastExistsError(item["id"]) from None
            raise

    def get(self, broadcast_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": broadcast_id, "sk": ITEM}, ConsistentRead=True).get("Item")
        return None if item is None else _broadcast(to_plain(item))

    def newest(self, limit: int, after: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
        """Up to ``limit`` broadcasts, newest first, after the broadcast ``after``; and the id the
        next page starts after (None on the last page)."""
        kwargs: dict[str, Any] = {
            "IndexName": BROADCASTS_BY_TIME.name,
            "KeyConditionExpression": Key(BROADCASTS_BY_TIME.partition_key).eq(ITEM),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if after is not None:
            # Only a broadcast's own id shape is looked up: an empty or 2 KB key is DynamoDB's 400.
            previous = self.get(after) if _BROADCAST_ID.fullmatch(after) else None
            if previous is None:
                raise KeyError(after)
            kwargs["ExclusiveStartKey"] = {
                "listed": ITEM, "created_at": previous["created_at"], "pk": after, "sk": ITEM,
            }  # fmt: skip
        page = self._table.query(**kwargs)
        # The index holds keys only: the items in one batch read, put back in the index's order.
        items = {
            item["pk"]: item
            for item in read_many(self._name, [{"pk": k["pk"], "sk": ITEM} for k in page["Items"]])
        }
        found = [_broadcast(items[key["pk"]]) for key in page["Items"] if key["pk"] in items]
        last = page.get("LastEvaluatedKey")
        return found, None if last is None else str(last["pk"])

    def audiences(self) -> Iterator[dict[str, Any]]:
        """Every broadcast's id, name and segment, page by page (an erasure looks for an address)."""
        kwargs: dict[str, Any] = {
            "FilterExpression": Attr("sk").eq(ITEM),
            "ProjectionExpression": "#i, #n, #g",
            "ExpressionAttributeNames": {"#i": "id", "#n": "name", "#g": "segment"},
        }
        while True:
            page = self._table.scan(**kwargs)
            yield from (to_plain(item) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def replace_audience(self, broadcast_id: str, name: str, segment: dict[str, Any]) -> bool:
        """Set a broadcast's name and segment; False when the broadcast is gone."""
        try:
            self._table.update_item(
                Key={"pk": broadcast_id, "sk": ITEM},
                UpdateExpression="SET #n = :n, #g = :g",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#n": "name", "#g": "segment"},
                ExpressionAttributeValues=to_dynamo({":n": name, ":g": segment}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def status(self, broadcast_id: str) -> str | None:
        """The status alone (a batch reads it before each send, to honour a cancel at once)."""
        item = self._table.get_item(
            Key={"pk": broadcast_id, "sk": ITEM},
            ConsistentRead=True,
            ProjectionExpression="#s",
            ExpressionAttributeNames={"#s": "status"},
        ).get("Item")
        return None if item is None else str(item.get("status"))

    def move(
        self, broadcast_id: str, allowed: tuple[str, ...], status: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """Set ``status`` (and ``fields``) if the broadcast's status is one of ``allowed``; the new item."""
        names = {"#s": "status", **{f"#f{i}": k for i, k in enumerate(fields)}}
        values = {":new": status, **{f":f{i}": v for i, v in enumerate(fields.values())}}
        values.update({f":a{i}": a for i, a in enumerate(allowed)})
        sets = ["#s = :new"] + [f"#f{i} = :f{i}" for i in range(len(fields))]
        try:
            result = self._table.update_item(
                Key={"pk": broadcast_id, "sk": ITEM},
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression=f"#s IN ({', '.join(f':a{i}' for i in range(len(allowed)))})",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_dynamo(values),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                old = error.response.get("Item") or {}
                raise BroadcastStatusError(old.get("status", {}).get("S")) from None
            raise
        return {k: v for k, v in to_plain(result["Attributes"]).items() if k not in ("pk", "sk")}

    def count_once(
        self, broadcast_id: str, key: str, counts: dict[str, int], skipped: str | None = None
    ) -> bool:
        """Add ``counts`` (and one to ``skipped.<reason>``) unless ``key`` was counted; False if it was."""
        names: dict[str, str] = {}
        values: dict[str, Any] = {":zero": _serialise(0)}
        sets = []
        for i, (attribute, amount) in enumerate(counts.items()):
            names[f"#c{i}"], values[f":c{i}"] = attribute, _serialise(amount)
            sets.append(f"#c{i} = if_not_exists(#c{i}, :zero) + :c{i}")
        if skipped is not None:
            names.update({"#k": "skipped", "#r": skipped})
            values[":one"] = _serialise(1)
            sets.append("#k.#r = if_not_exists(#k.#r, :zero) + :one")
        if not sets:
            return True
        marker = {"pk": _serialise(broadcast_id), "sk": _serialise(_MARKER + key)}
        try:
            client("dynamodb").transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._name,
                            "Item": marker,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._name,
                            "Key": {"pk": _serialise(broadcast_id), "sk": _serialise(ITEM)},
                            "UpdateExpression": "SET " + ", ".join(sets),
                            "ExpressionAttributeNames": names,
                            "ExpressionAttributeValues": values,
                        }
                    },
                ]
            )
        except ClientError as error:
            reasons = error.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        return True


def _broadcast(item: dict[str, Any]) -> dict[str, Any]:
    """A stored broadcast without its keys (the table's and the listing index's)."""
    return {k: v for k, v in item.items() if k not in ("pk", "sk", "listed")}
