"""The audience's opens and clicks by hour of the week (UTC), per workflow and for all workflows.

One item per workflow, ``engagement#<workflow>`` in the events table, with a counter per hour of
the week (``h0`` … ``h167``) added to atomically; ``engagement#*`` counts every workflow. A
``best_time`` wait reads one item to place a contact who has too little history of its own.
"""

from __future__ import annotations

from typing import Any

from nurtureflow.aws.clients import dynamodb_table

ALL_WORKFLOWS = "*"


def _key(workflow: str) -> dict[str, str]:
    return {"pk": f"engagement#{workflow}", "sk": "-"}


class EngagementRepository:
    def __init__(self, table_name: str) -> None:
        self._table = dynamodb_table(table_name)

    def add(self, workflow: str, hour_of_week: int) -> None:
        """Count one open or click in that hour, for the workflow and for all workflows."""
        for owner in (workflow, ALL_WORKFLOWS):
            self._table.update_item(
                Key=_key(owner),
                UpdateExpression="ADD #h :one",
                ExpressionAttributeNames={"#h": f"h{hour_of_week}"},
                ExpressionAttributeValues={":one": 1},
            )

    def hours(self, workflow: str) -> dict[int, int]:
        """Engagements by hour of the week: the workflow's, or every workflow's when it has none."""
        for owner in (workflow, ALL_WORKFLOWS):
            item: dict[str, Any] | None = self._table.get_item(Key=_key(owner)).get("Item")
            if item:
                return {int(k[1:]): int(v) for k, v in item.items() if k.startswith("h") and k[1:].isdigit()}
        return {}
