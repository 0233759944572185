"""The templates table: one item per email template."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from nurtureflow.aws.clients import dynamodb_table
from nurtureflow.store.items import to_dynamo, to_plain


class TemplateRepository:
    def __init__(self, table_name: str) -> None:
        self._table = dynamodb_table(table_name)

    def get(self, template_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": template_id}).get("Item")
        return None if item is None else to_plain(item)

    def exists(self, template_id: str) -> bool:
        return self.get(template_id) is not None

    def sendable(self, template_id: str) -> bool:
        """An email template an ``email`` step may send: it exists and is no layout or partial."""
        template = self.get(template_id)
        return template is not None and template.get("kind", "email") == "email"

    def summaries(self) -> list[dict[str, Any]]:
        """Every template's id, kind, subject and last change, by id (a scan: templates are few)."""
        kwargs: dict[str, Any] = {
            "ProjectionExpression": "#id, #kind, #subject, #updated_at",
            "ExpressionAttributeNames": {f"#{n}": n for n in ("id", "kind", "subject", "updated_at")},
        }
        found: list[dict[str, Any]] = []
        while True:
            page = self._table.scan(**kwargs)
            found += [to_plain(item) for item in page["Items"]]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return sorted(
            (
                {
                    "id": t["id"],
                    "kind": t.get("kind", "email"),
                    "subject": t.get("subject") or None,  # a layout or partial has none
                    "updated_at": t.get("updated_at"),
                }
                for t in found
            ),
            key=lambda t: str(t["id"]),
        )

    def put(self, template_id: str, template: dict[str, Any]) -> bool:
        """Store the template; True when it is new."""
        result = self._table.put_item(
            Item=to_dynamo({**template, "pk": template_id, "id": template_id}), ReturnValues="ALL_OLD"
        )
        return "Attributes" not in result

    def delete_if_unchanged(self, template_id: str, updated_at: str) -> None:
        """Remove a template this request stored (undoing it), unless someone replaced it since."""
        try:
            self._table.delete_item(
                Key={"pk": template_id},
                ConditionExpression="updated_at = :stored",
                ExpressionAttributeValues={":stored": updated_at},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
