"""The shape of every DynamoDB table: the CDK stack and the local stack create them from this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class IndexSpec:
    """A global secondary index projecting only the keys: the items are then read by their key."""

    name: str
    partition_key: str
    sort_key: str | None = None


@dataclass(frozen=True)
class TableSpec:
    setting: str  # the TableSettings field holding the table's name
    partition_key: str
    sort_key: str | None = None
    ttl_attribute: str | None = None
    indexes: tuple[IndexSpec, ...] = ()


# Every send record of a contact, whatever its status, for its export and its erasure.
SENDS_BY_CONTACT = IndexSpec("by_contact", "contact_id")
# Every broadcast, newest first (only broadcast items carry "listed": the markers stay out).
BROADCASTS_BY_TIME = IndexSpec("by_created", "listed", "created_at")


TABLES: tuple[TableSpec, ...] = (
    TableSpec("contacts_table", "pk"),
    TableSpec("events_table", "pk", "sk", ttl_attribute="expires_at"),
    TableSpec("workflows_table", "pk", "sk"),
    TableSpec("templates_table", "pk"),
    TableSpec("runs_table", "pk", "sk"),
    TableSpec("sends_table", "pk", indexes=(SENDS_BY_CONTACT,)),
    TableSpec("ledger_table", "pk", "sk"),
    # Workflow counters (pk wf#<id>, sk v#<version>) and their once-only markers (expiring).
    TableSpec("stats_table", "pk", "sk", ttl_attribute="expires_at"),
    TableSpec("cost_rollups_table", "pk", "sk"),
    # Broadcasts (sk "broadcast") and their count-once markers (sk "counted#…").
    TableSpec("broadcasts_table", "pk", "sk", indexes=(BROADCASTS_BY_TIME,)),
    # Fixed-window counters of the public site keys (pk <scope>#<digest>#<window>), expiring.
    TableSpec("rate_limits_table", "pk", ttl_attribute="expires_at"),
    # Forecast jobs (pk f_<id>): the settings, the progress, then the forecast; kept a week.
    TableSpec("forecasts_table", "pk", ttl_attribute="expires_at"),
)


def create_tables(dynamodb: Any, names: Any) -> None:
    """Create every table on ``dynamodb`` (a boto3 client; moto locally and in benchmarks), each named
    by its field of ``names`` (a ``TableSettings``)."""
    for spec in TABLES:
        keys = [(spec.partition_key, "HASH")] + ([(spec.sort_key, "RANGE")] if spec.sort_key else [])
        attributes = [k for k, _ in keys] + [
            a for i in spec.indexes for a in (i.partition_key, i.sort_key) if a is not None
        ]
        indexes = [
            {
                "IndexName": index.name,
                "KeySchema": [{"AttributeName": index.partition_key, "KeyType": "HASH"}]
                + ([{"AttributeName": index.sort_key, "KeyType": "RANGE"}] if index.sort_key else []),
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
            for index in spec.indexes
        ]
        dynamodb.create_table(
            TableName=getattr(names, spec.setting),
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": k, "KeyType": t} for k, t in keys],
            AttributeDefinitions=[
                {"AttributeName": a, "AttributeType": "S"} for a in dict.fromkeys(attributes)
            ],
            **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
        )
