"""The stats table: counter items per workflow version and step, and markers that make counting idempotent.

A version's counters are flat names (``enrolled``, ``step#<id>#sent``, ``step#<id>#skipped#<reason>``,
``revenue#<currency>`` ...). Those of a step live on the step's own item (``pk = wf#<workflow>``,
``sk = v#<version>#step#<id>``), the others on ``sk = v#<version>``: writes to different steps do
not contend for one item, and the stats route still reads one partition. Each item has a twin per
day (``sk = d#<YYYY-MM-DD>#v#<version>...``, the UTC day the count was made) for stats over a
period. Each count goes with a marker item (``pk = once#<digest of key>``) in one transaction: the
marker's ``attribute_not_exists`` condition fails on a retry, and nothing is added twice (``store.once``).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeSerializer

from nurtureflow.aws.clients import dynamodb_table
from nurtureflow.stats.counters import STEP_PREFIX
from nurtureflow.store import once
from nurtureflow.store.items import to_plain

_SERIALIZER = TypeSerializer()
MARKER_SK = "-"
TOTALS_PREFIX, DAY_PREFIX = "v#", "d#"


def marker_key(key: str) -> str:
    """A marker's key: a digest, so that no contact id (inside execution names) outlives an erasure."""
    return "once#" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _item_key(version: int, counter: str) -> str:
    """The sort key of the item a counter lives on: its step's, or the version's."""
    base = f"v#{version:06d}"
    if counter.startswith(STEP_PREFIX):
        step = counter.removeprefix(STEP_PREFIX).split("#", 1)[0]
        return f"{base}#{STEP_PREFIX}{step}"
    return base


def _day_key(day: str, sort_key: str) -> str:
    return f"{DAY_PREFIX}{day}#{sort_key}"


def _version_of(sort_key: str) -> int:
    if sort_key.startswith(DAY_PREFIX):
        sort_key = sort_key.split("#", 2)[2]  # d#<day>#v#...
    return int(sort_key.removeprefix(TOTALS_PREFIX).split("#", 1)[0])


class StatsRepository:
    def __init__(self, table_name: str) -> None:
        self._name = table_name
        self._table = dynamodb_table(table_name)

    def count_once(
        self,
        key: str,
        workflow: str,
        version: int,
        counters: dict[str, int | Decimal],
        expires_at: int,
        day: str,
    ) -> bool:
        """Add ``counters`` to the version's items and their twins of ``day`` (an ISO date) unless
        ``key`` was counted before; False if it was."""
        if not counters:
            return False
        return once.write(self._once_write(key, workflow, version, counters, expires_at, day))

    def _once_write(
        self,
        key: str,
        workflow: str,
        version: int,
        counters: dict[str, int | Decimal],
        expires_at: int,
        day: str,
    ) -> once.OnceWrite:
        """The marker of ``key`` and the counters' additions it guards."""
        marker = {"pk": marker_key(key), "sk": MARKER_SK, "expires_at": expires_at}
        guard = {
            "Put": {
                "TableName": self._name,
                "Item": {k: _SERIALIZER.serialize(v) for k, v in marker.items()},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        by_item: dict[str, dict[str, int | Decimal]] = defaultdict(dict)
        for name, amount in counters.items():
            by_item[_item_key(version, name)][name] = amount
        if 1 + 2 * len(by_item) > once.MAX_TRANSACTION_ITEMS:
            # A run through fifty steps or more: its counters go on the version's item and its day's.
            by_item = {_item_key(version, ""): dict(counters)}
        effects = []
        for sort_key, adds in sorted(by_item.items()):
            effects.append({"Update": self._add(workflow, sort_key, adds)})
            effects.append({"Update": self._add(workflow, _day_key(day, sort_key), adds)})
        return once.OnceWrite(guard=guard, effects=tuple(effects))

    def _add(self, workflow: str, sort_key: str, adds: dict[str, int | Decimal]) -> dict[str, Any]:
        names = {f"#c{i}": name for i, name in enumerate(adds)}
        return {
            "TableName": self._name,
            "Key": {"pk": {"S": f"wf#{workflow}"}, "sk": {"S": sort_key}},
            "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(adds))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {
                f":c{i}": _SERIALIZER.serialize(amount) for i, amount in enumerate(adds.values())
            },
        }

    def of_workflow(self, workflow: str, days: tuple[str, str] | None = None) -> dict[int, dict[str, Any]]:
        """Every version's counters (its items merged), by version number: all time, or the counts
        made on the days ``days[0]`` to ``days[1]`` (ISO dates, both included)."""
        versions: dict[int, dict[str, Any]] = defaultdict(dict)
        partition = Key("pk").eq(f"wf#{workflow}")
        if days is None:
            sort = Key("sk").begins_with(TOTALS_PREFIX)
        else:  # "~" sorts after every character of a version's key
            sort = Key("sk").between(f"{DAY_PREFIX}{days[0]}#", f"{DAY_PREFIX}{days[1]}#~")
        kwargs: dict[str, Any] = {"KeyConditionExpression": partition & sort}
        while True:
            page = self._table.query(**kwargs)
            for item in page["Items"]:
                merged = versions[_version_of(str(item["sk"]))]
                for name, amount in item.items():
                    if name not in ("pk", "sk"):
                        merged[name] = merged.get(name, 0) + to_plain(amount)
            if "LastEvaluatedKey" not in page:
                return dict(versions)
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
