"""Anonymous ids joined to contacts: one item ``alias#<anonymous id>`` in the events table.

The item, not the contact's ``anonymous_ids`` list, is what attribution reads: one get per
anonymous-only event, no index on the contacts table.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from nurtureflow.aws.clients import dynamodb_table


def _key(anonymous_id: str) -> dict[str, str]:
    return {"pk": f"alias#{anonymous_id}", "sk": "-"}


class AliasRepository:
    def __init__(self, table_name: str) -> None:
        self._table = dynamodb_table(table_name)

    def contact_of(self, anonymous_id: str) -> str | None:
        item = self._table.get_item(Key=_key(anonymous_id)).get("Item")
        return None if item is None else str(item["contact_id"])

    def link(self, anonymous_id: str, contact_id: str, now: str) -> None:
        """The latest contact to bring the anonymous id owns it (a shared browser changes hands)."""
        self._table.put_item(Item={**_key(anonymous_id), "contact_id": contact_id, "linked_at": now})

    def unlink(self, anonymous_id: str, contact_id: str) -> None:
        """Forget the link if it is still this contact's; another contact's link stays."""
        try:
            self._table.delete_item(
                Key=_key(anonymous_id),
                ConditionExpression="contact_id = :c",
                ExpressionAttributeValues={":c": contact_id},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
