"""The contacts table: one item per contact, keyed by its id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from nurtureflow.aws.clients import dynamodb_table
from nurtureflow.contacts.model import Contact, contact_id_for, normalise_email
from nurtureflow.store.expressions import UpdateBuilder
from nurtureflow.store.items import to_plain


class ContactRepository:
    def __init__(self, table_name: str) -> None:
        self._table = dynamodb_table(table_name)

    def get(self, contact_id: str) -> Contact | None:
        item = self._table.get_item(Key={"pk": contact_id}).get("Item")
        return None if item is None else Contact.model_validate(to_plain(item))

    def exists(self, contact_id: str) -> bool:
        """Whether a contact is stored under this id (its key alone is read)."""
        item = self._table.get_item(Key={"pk": contact_id}, ProjectionExpression="pk").get("Item")
        return item is not None

    def scan(self) -> Iterator[Contact]:
        """Every contact, page by page (segment backfills, date triggers)."""
        kwargs: dict[str, Any] = {}
        while True:
            page = self._table.scan(**kwargs)
            for item in page["Items"]:
                yield Contact.model_validate(to_plain(item))
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def page(self, after: str | None, limit: int) -> tuple[list[Contact], str | None]:
        """Up to ``limit`` contacts after the contact id ``after``; and where the next page starts."""
        kwargs: dict[str, Any] = {"Limit": limit, "ConsistentRead": True}
        if after is not None:
            kwargs["ExclusiveStartKey"] = {"pk": after}
        page = self._table.scan(**kwargs)
        contacts = [Contact.model_validate(to_plain(item)) for item in page["Items"]]
        last = page.get("LastEvaluatedKey")
        return contacts, None if last is None else str(last["pk"])

    def segment_page(
        self, segment: int, segments: int, after: str | None, limit: int
    ) -> tuple[list[Contact], str | None]:
        """Up to ``limit`` contacts of one segment of a parallel scan, after the contact ``after`` of
        that segment; and the cursor of the next page (None at the segment's end).

        A segment's items keep their order, so the key of any item met in it resumes the scan
        right after that item
        (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.ParallelScan).
        """
        kwargs: dict[str, Any] = {"Segment": segment, "TotalSegments": segments, "Limit": limit}
        if after is not None:
            kwargs["ExclusiveStartKey"] = {"pk": after}
        page = self._table.scan(**kwargs)
        contacts = [Contact.model_validate(to_plain(item)) for item in page["Items"]]
        last = page.get("LastEvaluatedKey")
        return contacts, None if last is None else str(last["pk"])

    def upsert(self, email: str, named: dict[str, Any], properties: dict[str, Any], now: str) -> Contact:
        """Create the contact if it is new, then set the given fields; one write either way."""
        contact_id = contact_id_for(email)
        update = (
            UpdateBuilder()
            .set("id", contact_id)
            .set("email", normalise_email(email))
            .set("updated_at", now)
            .set("created_at", now, if_absent=True)
            .set("score", 0, if_absent=True)
            .set("lifecycle_stage", "subscriber", if_absent=True)
            .set("properties", {}, if_absent=True)
            .set_all(named)
        )
        # The written item comes back with the write: no second read (unless properties follow).
        written = self._table.update_item(Key={"pk": contact_id}, ReturnValues="ALL_NEW", **update.kwargs())
        if not properties:
            return Contact.model_validate(to_plain(written["Attributes"]))
        self.set_properties(contact_id, properties, now)
        contact = self.get(contact_id)
        assert contact is not None
        return contact

    def set_properties(self, contact_id: str, properties: dict[str, Any], now: str) -> None:
        """Set keys of ``contact.properties``, leaving the others as they are."""
        update = UpdateBuilder().set("updated_at", now).set_all(properties, under="properties")
        self._table.update_item(
            Key={"pk": contact_id}, ConditionExpression="attribute_exists(pk)", **update.kwargs()
        )

    def apply(self, contact_id: str, fields: dict[str, Any], score_delta: int, now: str) -> None:
        """Set top-level fields and add to the score in one write (an ``update`` step)."""
        update = UpdateBuilder().set("updated_at", now).set_all(fields).add("score", score_delta)
        self._table.update_item(
            Key={"pk": contact_id}, ConditionExpression="attribute_exists(pk)", **update.kwargs()
        )

    def set_anonymous_ids(self, contact_id: str, anonymous_ids: list[str], now: str) -> None:
        """Replace the contact's list of joined anonymous ids."""
        update = UpdateBuilder().set("updated_at", now).set("anonymous_ids", anonymous_ids)
        self._table.update_item(
            Key={"pk": contact_id}, ConditionExpression="attribute_exists(pk)", **update.kwargs()
        )

    def delete(self, contact_id: str) -> bool:
        """Remove the contact item; False when there was none."""
        result = self._table.delete_item(Key={"pk": contact_id}, ReturnValues="ALL_OLD")
        return "Attributes" in result

    def set_score(self, contact_id: str, score: int, stage: str | None, now: str, expected: Contact) -> bool:
        """Write a new score (and stage) unless the score moved since ``expected`` was read: the
        caller recomputes decay from the fresh value. False when it moved."""
        update = UpdateBuilder().set("updated_at", now).set("score", score).set("score_updated_at", now)
        if stage is not None:
            update.set("lifecycle_stage", stage)
        unchanged = Attr("score").eq(expected.score) & (
            Attr("score_updated_at").not_exists()
            if expected.score_updated_at is None
            else Attr("score_updated_at").eq(expected.score_updated_at)
        )
        try:
            self._table.update_item(Key={"pk": contact_id}, ConditionExpression=unchanged, **update.kwargs())
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
