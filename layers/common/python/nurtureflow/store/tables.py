"""The shape of every DynamoDB table: the CDK stack and the local stack create them from this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TableSpec:
    setting: str  # the TableSettings field holding the table's name
    partition_key: str
    sort_key: str | None = None
    ttl_attribute: str | None = None


TABLES: tuple[TableSpec, ...] = (
    TableSpec("contacts_table", "pk"),
    TableSpec("events_table", "pk", "sk", ttl_attribute="expires_at"),
    TableSpec("workflows_table", "pk", "sk"),
    TableSpec("templates_table", "pk"),
    TableSpec("runs_table", "pk", "sk"),
    TableSpec("sends_table", "pk"),
    TableSpec("ledger_table", "pk", "sk"),
    # Broadcasts (sk "broadcast") and their count-once markers (sk "counted#…").
    TableSpec("broadcasts_table", "pk", "sk"),
    # Powertools Idempotency's default layout: key "id", TTL "expiration".
    TableSpec("idempotency_table", "id", ttl_attribute="expiration"),
)


def create_tables(dynamodb: Any, names: Any) -> None:
    """Create every table on ``dynamodb`` (a boto3 client; moto locally and in benchmarks), each named
    by its field of ``names`` (a ``TableSettings``)."""
    for spec in TABLES:
        keys = [(spec.partition_key, "HASH")] + ([(spec.sort_key, "RANGE")] if spec.sort_key else [])
        dynamodb.create_table(
            TableName=getattr(names, spec.setting),
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": k, "KeyType": t} for k, t in keys],
            AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k, _ in keys],
        )
