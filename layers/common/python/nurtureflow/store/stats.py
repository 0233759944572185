"""The stats table: one counter item per workflow version, and the markers that make counting idempotent.

Counters live as flat attributes of ``pk = wf#<workflow>``, ``sk = v#<version>`` (``enrolled``,
``step#<id>#sent``, ``step#<id>#skipped#<reason>``, ``revenue#<currency>`` ...), so the stats route
reads one item per version. Each count goes with a marker item (``pk = once#<key>``) in one
transaction: the marker's ``attribute_not_exists`` condition fails on a retry, and nothing is added twice.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from nurtureflow.aws.clients import client, dynamodb_table
from nurtureflow.store.items import to_plain

_SERIALIZER = TypeSerializer()
MARKER_SK = "-"


def _version_key(version: int) -> str:
    return f"v#{version:06d}"


class StatsRepository:
    def __init__(self, table_name: str) -> None:
        self._name = table_name
        self._table = dynamodb_table(table_name)

    def count_once(
        self, key: str, workflow: str, version: int, counters: dict[str, int | Decimal], expires_at: int
    ) -> bool:
        """Add ``counters`` to the version's item unless ``key`` was counted before; False if it was."""
        if not counters:
            return False
        names = {f"#c{i}": name for i, name in enumerate(counters)}
        values = {f":c{i}": _SERIALIZER.serialize(amount) for i, amount in enumerate(counters.values())}
        marker = {"pk": f"once#{key}", "sk": MARKER_SK, "expires_at": expires_at}
        try:
            client("dynamodb").transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._name,
                            "Item": {k: _SERIALIZER.serialize(v) for k, v in marker.items()},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._name,
                            "Key": {"pk": {"S": f"wf#{workflow}"}, "sk": {"S": _version_key(version)}},
                            "UpdateExpression": "ADD "
                            + ", ".join(f"{n} {n.replace('#', ':')}" for n in names),
                            "ExpressionAttributeNames": names,
                            "ExpressionAttributeValues": values,
                        }
                    },
                ]
            )
        except ClientError as error:
            reasons = error.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False  # counted already: a retry, a redelivery, a second open
            raise
        return True

    def of_workflow(self, workflow: str) -> dict[int, dict[str, Any]]:
        """Every version's counters, by version number."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(f"wf#{workflow}")}
        while True:
            page = self._table.query(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return {
            int(str(item["sk"]).removeprefix("v#")): {
                k: to_plain(v) for k, v in item.items() if k not in ("pk", "sk")
            }
            for item in items
        }
