"""The sends table: one item per email step reached (sent or skipped), keyed by its send id."""

from __future__ import annotations

from typing import Any

from nurtureflow.aws.clients import dynamodb_table
from nurtureflow.store.items import to_dynamo, to_plain


class SendRepository:
    def __init__(self, table_name: str) -> None:
        self._table = dynamodb_table(table_name)

    def get(self, send_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": send_id}).get("Item")
        return None if item is None else to_plain(item)

    def delete(self, send_id: str) -> bool:
        """Remove the send record; False when there was none."""
        result = self._table.delete_item(Key={"pk": send_id}, ReturnValues="ALL_OLD")
        return "Attributes" in result

    def put(self, send: dict[str, Any]) -> None:
        self._table.put_item(Item=to_dynamo({**send, "pk": send["id"]}))

    def mark(self, send_id: str, field: str, at: str) -> None:
        """Record the first open or click time; later ones leave it as it was."""
        self._table.update_item(
            Key={"pk": send_id},
            UpdateExpression="SET #f = if_not_exists(#f, :at)",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#f": field},
            ExpressionAttributeValues={":at": at},
        )
