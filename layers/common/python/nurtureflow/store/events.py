"""The events table: a contact's history (pk contact, sk time#id) and one marker per event id."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeSerializer

from nurtureflow.aws.clients import client, dynamodb_table
from nurtureflow.events.model import TrackedEvent
from nurtureflow.events.retention import DEFAULT_RETENTION_DAYS, TTL_ATTRIBUTE, expires_at
from nurtureflow.store import once
from nurtureflow.store.items import to_dynamo, to_plain


def _serialized(item: dict[str, Any], serializer: TypeSerializer) -> dict[str, Any]:
    return {k: serializer.serialize(v) for k, v in item.items()}


class EventRepository:
    def __init__(self, table_name: str, retention_days: int = DEFAULT_RETENTION_DAYS) -> None:
        self._name = table_name
        self._table = dynamodb_table(table_name)
        self._retention_days = retention_days

    @staticmethod
    def _owner(event: TrackedEvent) -> str:
        return event.contact_id or f"anon#{event.anonymous_id}"

    def record(self, event: TrackedEvent) -> bool:
        """Store the event once: False when its id was already recorded (a retried post)."""
        return once.write(self._once_write(event))

    def _once_write(self, event: TrackedEvent) -> once.OnceWrite:
        """The event and its id marker, whose condition makes the pair once-only."""
        serializer = TypeSerializer()
        # The marker expires with its event: an idempotency marker must not outlive what it guards.
        expiry = {TTL_ATTRIBUTE: expires_at(event.occurred_at, event.received_at, self._retention_days)}
        item = {
            "pk": self._owner(event),
            "sk": f"{event.occurred_at}#{event.id}",
            **event.model_dump(mode="json", exclude_none=True),
            **expiry,
        }
        marker = {"pk": f"id#{event.id}", "sk": "-", "owner": item["pk"], "at": item["sk"], **expiry}
        return once.OnceWrite(
            guard={
                "Put": {
                    "TableName": self._name,
                    "Item": {k: serializer.serialize(v) for k, v in marker.items()},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            effects=(
                {
                    "Put": {
                        "TableName": self._name,
                        "Item": {k: serializer.serialize(to_dynamo(v)) for k, v in item.items()},
                    }
                },
            ),
        )

    def rehome(self, owner: str, contact_id: str) -> int:
        """Move every event stored under ``owner`` (``anon#…``) to the contact, keeping ids and times.

        Each event moves in one transaction (copy, id marker repointed, original deleted); a retry
        rewrites the same keys, so nothing is duplicated.
        """
        serializer = TypeSerializer()
        moved = 0
        for item in self._query(Key("pk").eq(owner)):
            copy = {**item, "pk": contact_id, "contact_id": contact_id}
            marker = {"pk": f"id#{item['id']}", "sk": "-", "owner": contact_id, "at": item["sk"]}
            if TTL_ATTRIBUTE in item:
                marker[TTL_ATTRIBUTE] = item[TTL_ATTRIBUTE]
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

    def history(self, owner: str, since: str | None = None) -> list[TrackedEvent]:
        condition = Key("pk").eq(owner)
        if since is not None:
            condition = condition & Key("sk").gte(since)
        return [TrackedEvent.model_validate(to_plain(i)) for i in self._query(condition)]

    def erase(self, owner: str) -> int:
        """Delete every event of ``owner`` and its id marker; how many events there were."""
        items = self._query(Key("pk").eq(owner), projection="pk, sk, id")
        with self._table.batch_writer() as batch:
            for item in items:
                batch.delete_item(Key={"pk": f"id#{item['id']}", "sk": "-"})
                batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
        return len(items)

    def _query(self, condition: Any, projection: str | None = None) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": condition}
        if projection is not None:
            kwargs["ProjectionExpression"] = projection
        while True:
            page = self._table.query(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
