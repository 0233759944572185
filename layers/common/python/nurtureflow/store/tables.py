"""The shape of every DynamoDB table: the CDK stack and the local stack create them from this."""

from __future__ import annotations

from dataclasses import dataclass


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
    # Powertools Idempotency's default layout: key "id", TTL "expiration".
    TableSpec("idempotency_table", "id", ttl_attribute="expiration"),
)
