"""The runs table: a contact's run in each workflow (pk contact id, sk workflow id)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from nurtureflow.aws.clients import dynamodb_table
from nurtureflow.store.expressions import UpdateBuilder
from nurtureflow.store.items import to_dynamo, to_plain


class RunClaimedError(Exception):
    """Another enrolment holds this contact's run in the workflow."""


class RunRepository:
    def __init__(self, table_name: str) -> None:
        self._table = dynamodb_table(table_name)

    def get(self, contact_id: str, workflow_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": contact_id, "sk": workflow_id}, ConsistentRead=True).get(
            "Item"
        )
        return None if item is None else to_plain(item)

    def of_contact(self, contact_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(contact_id), "ConsistentRead": True}
        while True:
            page = self._table.query(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return [to_plain(i) for i in items]
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def delete(self, contact_id: str, workflow_id: str) -> None:
        self._table.delete_item(Key={"pk": contact_id, "sk": workflow_id})

    def claim(self, run: dict[str, Any], previous_key: str | None) -> None:
        """Record a new run, only if the item still holds the run the caller decided from."""
        condition = Attr("pk").not_exists() if previous_key is None else Attr("enrolment").eq(previous_key)
        try:
            self._table.put_item(
                Item=to_dynamo({**run, "pk": run["contact_id"], "sk": run["workflow"]}),
                ConditionExpression=condition,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise RunClaimedError(run["contact_id"]) from None
            raise

    def update(self, contact_id: str, workflow_id: str, execution_arn: str, fields: dict[str, Any]) -> bool:
        """Set fields on the run, if it is still the given execution; False if it is not."""
        try:
            self._table.update_item(
                Key={"pk": contact_id, "sk": workflow_id},
                ConditionExpression=Attr("execution_arn").eq(execution_arn),
                **UpdateBuilder().set_all(fields).kwargs(),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def end(
        self,
        contact_id: str,
        workflow_id: str,
        execution_arn: str,
        status: str,
        ended_at: str,
        error: str | None,
    ) -> dict[str, Any]:
        """Record that the execution ended, on its run: the run as it was before ({} if none).

        The first end recorded keeps its time; the status changes only from ``running`` (a goal or
        an exit set its own first). A running run, the usual case, takes one conditional write; any
        other reads the run first.
        """
        extra = {"error": error} if error else {}
        try:
            answer = self._table.update_item(
                Key={"pk": contact_id, "sk": workflow_id},
                ConditionExpression=Attr("execution_arn").eq(execution_arn) & Attr("status").eq("running"),
                ReturnValues="ALL_OLD",
                **UpdateBuilder()
                .set_all({"status": status, **extra})
                .set("ended_at", ended_at, if_absent=True)
                .kwargs(),
            )
        except ClientError as failed:
            if failed.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        else:
            before: dict[str, Any] = to_plain(answer.get("Attributes") or {})
            return before
        current = self.get(contact_id, workflow_id) or {}
        self.update(
            contact_id, workflow_id, execution_arn, {"ended_at": current.get("ended_at") or ended_at, **extra}
        )
        return current

    def clear_wait(self, contact_id: str, workflow_id: str, token: str) -> bool:
        """Take the waiting token off the run once; False if someone else already took it."""
        try:
            self._table.update_item(
                Key={"pk": contact_id, "sk": workflow_id},
                UpdateExpression="REMOVE waiting",
                ConditionExpression=Attr("waiting.token").eq(token),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
