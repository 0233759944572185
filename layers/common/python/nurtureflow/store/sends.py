"""The sends table: one item per email step reached (sent or skipped), keyed by its send id."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from nurtureflow.aws.clients import dynamodb_table
from nurtureflow.store.items import to_dynamo, to_plain
from nurtureflow.store.tables import SENDS_BY_CONTACT


class SendRepository:
    def __init__(self, table_name: str) -> None:
        self._table = dynamodb_table(table_name)

    def get(self, send_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": send_id}).get("Item")
        return None if item is None else to_plain(item)

    def of_contact(self, contact_id: str) -> list[str]:
        """The ids of every send record of the contact (sent, skipped, rejected alike)."""
        kwargs: dict[str, Any] = {
            "IndexName": SENDS_BY_CONTACT.name,
            "KeyConditionExpression": Key(SENDS_BY_CONTACT.partition_key).eq(contact_id),
        }
        ids: list[str] = []
        while True:
            page = self._table.query(**kwargs)
            ids.extend(str(item["pk"]) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return sorted(ids)
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def delete(self, send_id: str) -> bool:
        """Remove the send record; False when there was none."""
        result = self._table.delete_item(Key={"pk": send_id}, ReturnValues="ALL_OLD")
        return "Attributes" in result

    def put(self, send: dict[str, Any]) -> None:
        self._table.put_item(Item=to_dynamo({**send, "pk": send["id"]}))

    def claim(self, send: dict[str, Any]) -> bool:
        """Write the record only if the send id has none yet; False when another attempt holds it."""
        try:
            self._table.put_item(
                Item=to_dynamo({**send, "pk": send["id"]}), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def release(self, send_id: str) -> bool:
        """Delete a claim still in ``sending`` (SES surely did not send); False when it was not."""
        try:
            self._table.delete_item(
                Key={"pk": send_id},
                ConditionExpression="#s = :sending",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":sending": "sending"},
            )
        except ClientError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def settle(self, send_id: str, status: str, reason: str) -> bool:
        """Turn a claim still in ``sending`` into ``status``; False when it had moved on already."""
        try:
            self._table.update_item(
                Key={"pk": send_id},
                UpdateExpression="SET #s = :status, #r = :reason",
                ConditionExpression="#s = :sending",
                ExpressionAttributeNames={"#s": "status", "#r": "reason"},
                ExpressionAttributeValues={":status": status, ":reason": reason, ":sending": "sending"},
            )
        except ClientError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def mark(self, send_id: str, field: str, at: str) -> None:
        """Record the first open or click time; later ones leave it as it was."""
        self._table.update_item(
            Key={"pk": send_id},
            UpdateExpression="SET #f = if_not_exists(#f, :at)",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#f": field},
            ExpressionAttributeValues={":at": at},
        )


def _condition_failed(error: ClientError) -> bool:
    return bool(error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")
