"""The events table: a contact's history (pk contact, sk time#id) and one marker per event id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeSerializer

from nurtureflow.aws.clients import client, dynamodb_table
from nurtureflow.events.model import EVENT_RETENTION, TrackedEvent
from nurtureflow.store.items import to_dynamo, to_plain


def _expiry(occurred_at: str) -> int:
    """The table's TTL (epoch seconds): events are kept for ``EVENT_RETENTION`` after they occurred."""
    return int((datetime.fromisoformat(occurred_at) + EVENT_RETENTION).timestamp())


def _serialized(item: dict[str, Any], serializer: TypeSerializer) -> dict[str, Any]:
    return {k: serializer.serialize(v) for k, v in item.items()}


class EventRepository:
    def __init__(self, table_name: str) -> None:
        self._name = table_name
        self._table = dynamodb_table(table_name)

    @staticmethod
    def _owner(event: TrackedEvent) -> str:
        return event.contact_id or f"anon#{event.anonymous_id}"

    def record(self, event: TrackedEvent) -> bool:
        """Store the event once: False when its id was already recorded (a retried post)."""
        serializer = TypeSerializer()
        item = {
            "pk": self._owner(event),
            "sk": f"{event.occurred_at}#{event.id}",
            **event.model_dump(mode="json", exclude_none=True),
            "expires_at": _expiry(event.occurred_at),
        }
        marker = {
            "pk": f"id#{event.id}",
            "sk": "-",
            "owner": item["pk"],
            "at": item["sk"],
            "expires_at": item["expires_at"],
        }
        try:
            client("dynamodb").transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._name,
                            "Item": {k: serializer.serialize(v) for k, v in marker.items()},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._name,
                            "Item": {k: serializer.serialize(to_dynamo(v)) for k, v in item.items()},
                        }
                    },
                ]
            )
        except client("dynamodb").exceptions.TransactionCanceledException as error:
            reasons = error.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        return True

    def rehome(self, owner: str, contact_id: str) -> int:
        """Move every event stored under ``owner`` (``anon#…``) to the contact, keeping ids and times.

        Each event moves in one transaction (copy, id marker repointed, original deleted); a retry
        rewrites the same keys, so nothing is duplicated.
        """
        serializer = TypeSerializer()
        moved = 0
        for item in self._items(Key("pk").eq(owner)):
            copy = {**item, "pk": contact_id, "contact_id": contact_id}
            marker = {"pk": f"id#{item['id']}", "sk": "-", "owner": contact_id, "at": item["sk"]}
            if "expires_at" in item:
                marker["expires_at"] = item["expires_at"]
            client("dynamodb").transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": self._name, "Item": _serialized(copy, serializer)}},
                    {"Put": {"TableName": self._name, "Item": _serialized(marker, serializer)}},
                    {
                        "Delete": {
                            "TableName": self._name,
                            "Key": _serialized({"pk": owner, "sk": item["sk"]}, serializer),
                        }
                    },
                ]
            )
            moved += 1
        return moved

    def _items(self, condition: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": condition}
        while True:
            page = self._table.query(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def history(self, owner: str, since: str | None = None) -> list[TrackedEvent]:
        condition = Key("pk").eq(owner)
        if since is not None:
            condition = condition & Key("sk").gte(since)
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": condition}
        while True:
            page = self._table.query(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [TrackedEvent.model_validate(to_plain(i)) for i in items]
