"""The workflows table: a ``meta`` item per workflow and one item per published version."""

from __future__ import annotations

import time
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from nurtureflow.aws.clients import dynamodb_table
from nurtureflow.store.items import to_dynamo, to_plain
from nurtureflow.workflow.errors import WorkflowArchivedError

META = "meta"
ARCHIVED = "archived"
# Every tracked event is checked against every workflow's trigger: a warm function lists them at
# most every few seconds. A write through this module applies at once in its own process (the local
# stack, the admin function); other functions see it within ``LISTING_MAX_AGE_SECONDS``.
LISTING_MAX_AGE_SECONDS = 10.0
_listings: dict[str, tuple[float, list[dict[str, Any]]]] = {}


def _version_key(version: int) -> str:
    return f"v#{version:06d}"


class WorkflowRepository:
    def __init__(self, table_name: str) -> None:
        self._table = dynamodb_table(table_name)
        # Keyed by endpoint and table: a test's fresh moto, or another account, never shares a listing.
        self._listing_key = f"{self._table.meta.client.meta.endpoint_url}|{table_name}"

    def meta(self, workflow_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": workflow_id, "sk": META}, ConsistentRead=True).get("Item")
        return None if item is None else to_plain(item)

    def publish(self, meta: dict[str, Any], version: dict[str, Any], expected_version: int) -> None:
        """Write a new version and move the meta item to it, unless another upload won the race."""
        _listings.clear()
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
        _listings.clear()  # again: a listing read while the write was in flight is stale

    def set_status(self, workflow_id: str, status: str, now: str) -> dict[str, Any]:
        """Set the status; an archived workflow keeps it (``WorkflowArchivedError``), even in a race."""
        _listings.clear()
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
        finally:
            _listings.clear()  # again: a listing read while the write was in flight is stale
        return to_plain(result["Attributes"])  # type: ignore[no-any-return]

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
        """Every workflow's meta item, read at most every ``LISTING_MAX_AGE_SECONDS``."""
        cached = _listings.get(self._listing_key)
        if cached is not None and time.monotonic() - cached[0] < LISTING_MAX_AGE_SECONDS:
            return [dict(item) for item in cached[1]]
        listing = self._scan_meta()
        _listings[self._listing_key] = (time.monotonic(), listing)
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
