"""The contacts table: one item per contact, keyed by its id."""

from __future__ import annotations

from typing import Any

from nurtureflow.aws.clients import dynamodb_table
from nurtureflow.contacts.model import Contact, contact_id_for, normalise_email
from nurtureflow.store.items import to_dynamo, to_plain


class ContactRepository:
    def __init__(self, table_name: str) -> None:
        self._table = dynamodb_table(table_name)

    def get(self, contact_id: str) -> Contact | None:
        item = self._table.get_item(Key={"pk": contact_id}).get("Item")
        return None if item is None else Contact.model_validate(to_plain(item))

    def upsert(self, email: str, named: dict[str, Any], properties: dict[str, Any], now: str) -> Contact:
        """Create the contact if it is new, then set the given fields; one write either way."""
        contact_id = contact_id_for(email)
        names = {
            "#email": "email",
            "#created": "created_at",
            "#updated": "updated_at",
            "#id": "id",
            "#score": "score",
            "#stage": "lifecycle_stage",
            "#props": "properties",
        }
        values: dict[str, Any] = {
            ":email": normalise_email(email),
            ":now": now,
            ":id": contact_id,
            ":zero": 0,
            ":stage": "subscriber",
            ":empty": {},
        }
        sets = [
            "#email = :email",
            "#id = :id",
            "#updated = :now",
            "#created = if_not_exists(#created, :now)",
            "#score = if_not_exists(#score, :zero)",
            "#stage = if_not_exists(#stage, :stage)",
            "#props = if_not_exists(#props, :empty)",
        ]
        for i, (key, value) in enumerate(named.items()):
            names[f"#n{i}"] = key
            values[f":n{i}"] = value
            sets.append(f"#n{i} = :n{i}")
        self._table.update_item(
            Key={"pk": contact_id},
            UpdateExpression="SET " + ", ".join(sets),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_dynamo(values),
        )
        if properties:
            self.set_properties(contact_id, properties, now)
        contact = self.get(contact_id)
        assert contact is not None
        return contact

    def set_properties(self, contact_id: str, properties: dict[str, Any], now: str) -> None:
        names = {"#props": "properties", "#updated": "updated_at"}
        values: dict[str, Any] = {":now": now}
        sets = ["#updated = :now"]
        for i, (key, value) in enumerate(properties.items()):
            names[f"#p{i}"] = key
            values[f":p{i}"] = value
            sets.append(f"#props.#p{i} = :p{i}")
        self._table.update_item(
            Key={"pk": contact_id},
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_dynamo(values),
        )

    def apply(self, contact_id: str, fields: dict[str, Any], score_delta: int, now: str) -> None:
        """Set top-level fields and add to the score in one write (an ``update`` step)."""
        names = {"#updated": "updated_at", "#score": "score"}
        values: dict[str, Any] = {":now": now, ":delta": score_delta}
        sets = ["#updated = :now"]
        for i, (key, value) in enumerate(fields.items()):
            names[f"#f{i}"] = key
            values[f":f{i}"] = value
            sets.append(f"#f{i} = :f{i}")
        self._table.update_item(
            Key={"pk": contact_id},
            UpdateExpression="SET " + ", ".join(sets) + " ADD #score :delta",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_dynamo(values),
        )
