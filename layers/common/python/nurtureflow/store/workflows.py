"""The workflows table: a ``meta`` item per workflow and one item per published version."""

from __future__ import annotations

import time
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from nurtureflow.aws.clients import dynamodb_table
from nurtureflow.built_once import current_scope
from nurtureflow.store.items import to_dynamo, to_plain
from nurtureflow.workflow.errors import WorkflowArchivedError

META = "meta"
ARCHIVED = "archived"
# Every tracked event is checked against every workflow's trigger, so a warm function keeps the
# listing. Every write through this module bumps a stamp item; a reader checks the stamp (one small
# consistent read) and scans again when it moved, so an upload, activation, pause or archive applies
# at once in every function. A write that bypasses this module is seen within the listing's age.
LISTING_MAX_AGE_SECONDS = 10.0
STAMP_KEY = {"pk": "#listing", "sk": "stamp"}
# (when read, the stamp then, the listing) by function scope, endpoint and table.
_listings: dict[str, tuple[float, int, list[dict[str, Any]]]] = {}


def _version_key(version: int) -> str:
    return f"v#{version:06d}"


class WorkflowRepository:
    def __init__(self, table_name: str) -> None:
        self._table = dynamodb_table(table_name)
        # Keyed by endpoint and table: a test's fresh moto, or another account, never shares a listing;
        # and by function (the local stack hosts several in one process, each with its own copy).
        self._listing_key = f"{current_scope()}|{self._table.meta.client.meta.endpoint_url}|{table_name}"

    def meta(self, workflow_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": workflow_id, "sk": META}, ConsistentRead=True).get("Item")
        return None if item is None else to_plain(item)

    def publish(self, meta: dict[str, Any], version: dict[str, Any], expected_version: int) -> None:
        """Write a new version and move the meta item to it, unless another upload won the race."""
        self._table.put_item(
            Item=to_dynamo({**version, "pk": meta["id"], "sk": _version_key(version["version"])}),
            ConditionExpression="attribute_not_exists(pk)",
        )
        condition = (
            Attr("pk").not_exists()
            if expected_version == 0
            # An archive that came in between wins: an archived workflow gets no new version.
            else Attr("version").eq(expected_version) & Attr("status").ne("archived")
        )
        self._table.put_item(
            Item=to_dynamo({**meta, "pk": meta["id"], "sk": META}), ConditionExpression=condition
        )
        self._bump_stamp()

    def set_status(self, workflow_id: str, status: str, now: str) -> dict[str, Any]:
        """Set the status; an archived workflow keeps it (``WorkflowArchivedError``), even in a race."""
        condition = "attribute_exists(pk)"
        values = {":status": status, ":now": now}
        if status != ARCHIVED:
            condition += " AND #status <> :archived"
            values[":archived"] = ARCHIVED
        try:
            result = self._table.update_item(
                Key={"pk": workflow_id, "sk": META},
                UpdateExpression="SET #status = :status, updated_at = :now",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException" and status != ARCHIVED:
                raise WorkflowArchivedError(workflow_id) from None
            raise
        self._bump_stamp()
        return to_plain(result["Attributes"])  # type: ignore[no-any-return]

    def _bump_stamp(self) -> None:
        self._table.update_item(
            Key=STAMP_KEY, UpdateExpression="ADD changes :one", ExpressionAttributeValues={":one": 1}
        )

    def _stamp(self) -> int:
        item = self._table.get_item(Key=STAMP_KEY, ConsistentRead=True).get("Item") or {}
        return int(item.get("changes", 0))

    def version(self, workflow_id: str, version: int) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": workflow_id, "sk": _version_key(version)}).get("Item")
        return None if item is None else to_plain(item)

    def versions(self, workflow_id: str) -> list[dict[str, Any]]:
        """Every version record, oldest first, over as many pages as the query takes (1 MB each)."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(workflow_id) & Key("sk").begins_with("v#")
        }
        items: list[dict[str, Any]] = []
        while True:
            page = self._table.query(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return [to_plain(i) for i in items]
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def mark_pruned(self, workflow_id: str, version: int, at: str) -> None:
        """Record that a version was deleted from Step Functions; the record itself stays."""
        self._table.update_item(
            Key={"pk": workflow_id, "sk": _version_key(version)},
            UpdateExpression="SET pruned_at = if_not_exists(pruned_at, :at)",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":at": at},
        )

    def all_meta(self) -> list[dict[str, Any]]:
        """Every workflow's meta item: scanned again when the stamp moved or the copy is old."""
        stamp = self._stamp()
        cached = _listings.get(self._listing_key)
        if (
            cached is not None
            and cached[1] == stamp
            and time.monotonic() - cached[0] < LISTING_MAX_AGE_SECONDS
        ):
            return [dict(item) for item in cached[2]]
        listing = self._scan_meta()
        _listings[self._listing_key] = (time.monotonic(), stamp, listing)
        return [dict(item) for item in listing]

    def _scan_meta(self) -> list[dict[str, Any]]:
        """A scan: workflows number in the dozens, not millions."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"FilterExpression": Attr("sk").eq(META)}
        while True:
            page = self._table.scan(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return [to_plain(i) for i in sorted(items, key=lambda i: str(i["pk"]))]
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
