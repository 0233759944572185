"""One transaction per tracked event: the contact's change, the event, its id marker and the alias.

The only place that knows how ingest's writes map to items; ``undo`` is the inverse transaction,
computed from the contact and alias as they were before (``events.ingest`` decides when).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from nurtureflow.aws.clients import client
from nurtureflow.contacts.changes import ContactChange
from nurtureflow.events.model import TrackedEvent
from nurtureflow.events.retention import DEFAULT_RETENTION_DAYS, TTL_ATTRIBUTE, expires_at
from nurtureflow.store.batch_reads import read_many
from nurtureflow.store.expressions import UpdateBuilder
from nurtureflow.store.items import to_dynamo, to_plain

_MARKER, _CONTACT = 0, 2  # positions in the transaction, for its cancellation reasons


class WriteNotAppliedError(Exception):
    """The transaction was cancelled: nothing of it was written."""


class ContactChangedError(WriteNotAppliedError):
    """The contact changed (or appeared, or went) between the read and the write: plan again."""


@dataclass
class AliasLink:
    """The anonymous id's alias item: what it becomes, and what it was (None: there was none)."""

    anonymous_id: str
    contact_id: str
    now: str
    before: dict[str, Any] | None


@dataclass
class EventWrite:
    """Everything one tracked event writes, in one transaction."""

    event: TrackedEvent
    contact: ContactChange | None = None
    alias: AliasLink | None = None


def _serialized(item: dict[str, Any]) -> dict[str, Any]:
    serializer = TypeSerializer()
    return {k: serializer.serialize(to_dynamo(v)) for k, v in item.items()}


class IngestWrites:
    def __init__(
        self, contacts_table: str, events_table: str, retention_days: int = DEFAULT_RETENTION_DAYS
    ) -> None:
        self._contacts, self._events, self._retention_days = contacts_table, events_table, retention_days

    def contact_item(self, contact_id: str) -> dict[str, Any] | None:
        """The contact's item as stored (a consistent read), or None."""
        item = client("dynamodb").get_item(
            TableName=self._contacts, Key=_serialized({"pk": contact_id}), ConsistentRead=True
        )
        return _deserialized(item.get("Item"))

    def contact_items(self, contact_ids: list[str]) -> dict[str, dict[str, Any] | None]:
        """Many contacts' items as stored (consistent reads), None for those that do not exist: one
        BatchGetItem per 100 instead of a GetItem each, so a batch of 100 events waits for one read
        (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html)."""
        found: dict[str, dict[str, Any] | None] = dict.fromkeys(contact_ids)
        for item in read_many(self._contacts, [{"pk": i} for i in found]):
            found[str(item["pk"])] = item
        return found

    def alias_item(self, anonymous_id: str) -> dict[str, Any] | None:
        item = client("dynamodb").get_item(
            TableName=self._events, Key=_serialized(_alias_key(anonymous_id)), ConsistentRead=True
        )
        return _deserialized(item.get("Item"))

    def commit(self, write: EventWrite) -> bool:
        """Write it all or nothing; False when the event's id was already recorded (nothing written).

        ``ContactChangedError`` when the contact is not as planned.
        """
        marker, item = self._event_items(write.event)
        actions: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._events,
                    "Item": _serialized(marker),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {"Put": {"TableName": self._events, "Item": _serialized(item)}},
        ]
        if write.contact is not None:
            actions.append(self._contact_action(write.contact))
        if write.alias is not None:
            link = {"contact_id": write.alias.contact_id, "linked_at": write.alias.now}
            item = {**_alias_key(write.alias.anonymous_id), **link}
            actions.append({"Put": {"TableName": self._events, "Item": _serialized(item)}})
        dynamodb = client("dynamodb")
        try:
            dynamodb.transact_write_items(TransactItems=actions)
        except dynamodb.exceptions.TransactionCanceledException as error:
            codes = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            if len(codes) > _MARKER and codes[_MARKER] == "ConditionalCheckFailed":
                return False
            if len(codes) > _CONTACT and codes[_CONTACT] == "ConditionalCheckFailed":
                raise ContactChangedError(write.event.contact_id) from None
            raise WriteNotAppliedError(str(error)) from error
        return True

    def undo(self, write: EventWrite) -> None:
        """The inverse of ``commit``: the contact and alias as before, no event. Also safe after a
        commit whose outcome is unknown: when the event's marker is another post's (a retried id),
        nothing is undone."""
        marker, item = self._event_items(write.event)
        actions: list[dict[str, Any]] = [
            {
                "Delete": {
                    "TableName": self._events,
                    "Key": _serialized(_key(marker)),
                    "ConditionExpression": "attribute_not_exists(pk) OR received_at = :r",
                    "ExpressionAttributeValues": _serialized({":r": write.event.received_at}),
                }
            },
            {"Delete": {"TableName": self._events, "Key": _serialized(_key(item))}},
        ]
        if write.contact is not None:
            actions.append(self._contact_undo(write.contact))
        if write.alias is not None:
            key = _alias_key(write.alias.anonymous_id)
            before = write.alias.before
            actions.append(
                {"Delete": {"TableName": self._events, "Key": _serialized(key)}}
                if before is None
                else {"Put": {"TableName": self._events, "Item": _serialized(before)}}
            )
        dynamodb = client("dynamodb")
        try:
            dynamodb.transact_write_items(TransactItems=actions)
        except dynamodb.exceptions.TransactionCanceledException as error:
            codes = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            if codes[:1] != ["ConditionalCheckFailed"]:
                raise

    def _event_items(self, event: TrackedEvent) -> tuple[dict[str, Any], dict[str, Any]]:
        """The id marker and the event item (``store.events`` reads them)."""
        # The marker expires with its event: an idempotency marker must not outlive what it guards.
        expiry = {TTL_ATTRIBUTE: expires_at(event.occurred_at, event.received_at, self._retention_days)}
        owner = event.contact_id or f"anon#{event.anonymous_id}"
        item = {
            "pk": owner,
            "sk": f"{event.occurred_at}#{event.id}",
            **event.model_dump(mode="json", exclude_none=True),
            **expiry,
        }
        marker = {
            "pk": f"id#{event.id}",
            "sk": "-",
            "owner": owner,
            "at": item["sk"],
            "received_at": event.received_at,  # which post wrote it: ``undo`` checks
            **expiry,
        }
        return marker, item

    def _contact_action(self, change: ContactChange) -> dict[str, Any]:
        if change.before is None:
            return {
                "Put": {
                    "TableName": self._contacts,
                    "Item": _serialized(change.after()),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        update = UpdateBuilder().set("updated_at", change.now).set_all(change.sets)
        for name in change.removes:
            update.remove(name)
        if "properties" in change.before:
            update.set_all(change.property_sets, under="properties")
            for key in change.property_removes:
                update.remove(key, under="properties")
        elif change.property_sets:
            update.set("properties", change.property_sets)
        return self._update(change.contact_id, update)

    def _contact_undo(self, change: ContactChange) -> dict[str, Any]:
        if change.before is None:
            return {"Delete": {"TableName": self._contacts, "Key": _serialized({"pk": change.contact_id})}}
        before = change.before
        update = UpdateBuilder().set("updated_at", before.get("updated_at", change.now))
        for name in change.sets.keys() | change.removes:
            if name in before:
                update.set(name, before[name])
            else:
                update.remove(name)
        if "properties" not in before:
            update.remove("properties")
        else:
            for key in change.property_sets.keys() | change.property_removes:
                if key in before["properties"]:
                    update.set(key, before["properties"][key], under="properties")
                else:
                    update.remove(key, under="properties")
        return self._update(change.contact_id, update)

    def _update(self, contact_id: str, update: UpdateBuilder) -> dict[str, Any]:
        kwargs = update.kwargs()
        serializer = TypeSerializer()
        return {
            "Update": {
                "TableName": self._contacts,
                "Key": _serialized({"pk": contact_id}),
                "ConditionExpression": "attribute_exists(pk)",
                "UpdateExpression": kwargs["UpdateExpression"],
                "ExpressionAttributeNames": kwargs["ExpressionAttributeNames"],
                "ExpressionAttributeValues": {
                    k: serializer.serialize(v) for k, v in kwargs["ExpressionAttributeValues"].items()
                },
            }
        }


def _alias_key(anonymous_id: str) -> dict[str, str]:
    """The same key as ``store.aliases``."""
    return {"pk": f"alias#{anonymous_id}", "sk": "-"}


def _key(item: dict[str, Any]) -> dict[str, Any]:
    return {"pk": item["pk"], "sk": item["sk"]}


def _deserialized(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if item is None:
        return None
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {k: to_plain(deserializer.deserialize(v)) for k, v in item.items()}
