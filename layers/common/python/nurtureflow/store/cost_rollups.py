"""The cost rollups table: the ledger summed by group, key and day with atomic counters.

One item per (group, key, day): pk ``<group>#<YYYY-MM>``, sk ``<key>#<YYYY-MM-DD>`` (for the day
group the key is the day). A month's rollups of a group share a partition, so a report reads one
partition per month of its range, and a workflow's month to date (its budget) is one query on a
range of sort keys.

Counters are flat attributes (``u_<usage>``, ``usd_e15_<service>``): ``ADD`` creates a missing
number, not a missing map. Fractional counters (dollars, GB-seconds) are held as whole numbers of
10^-15 (the ledger's quantum, ``costs.ledger.USD_QUANTUM``): integer ``ADD`` is exact in DynamoDB up
to 38 digits (10^23 dollars) and in every stand-in of it (moto re-reads a decimal sum such as
``2E-15`` as an integer and fails), and a rollup reads back the exact Decimal.

Every send adds to the same day item of each group, so DynamoDB's item-level ceiling (1,000 writes
a second) caps sends at about 1,000 a second, far above SES's sending rates.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from boto3.dynamodb.types import TypeSerializer

from nurtureflow.aws.clients import dynamodb_table
from nurtureflow.costs.ledger import LedgerEntry, ServiceCosts, Usage
from nurtureflow.costs.rollups import GROUPS, Rollup, RollupGroup, month_of, rollup_key

_SCALE = 15  # fractional counters are stored as integers of 10^-15
_FRACTIONAL = {"lambda_gb_seconds"}
_USAGE = {(f"u_{n}_e15" if n in _FRACTIONAL else f"u_{n}"): n for n in Usage.model_fields}
_USD = {f"usd_e15_{alias}": alias for alias in ("ses", "stepfunctions", "lambda", "dynamodb", "apigateway")}


def _scaled(value: Decimal) -> int:
    scaled = value.scaleb(_SCALE)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than {_SCALE} decimal places")
    return int(scaled)


def _unscaled(value: Any) -> Decimal:
    return Decimal(value).scaleb(-_SCALE)


def serialize(value: Any) -> dict[str, Any]:
    """A DynamoDB attribute value whose numbers are written in plain decimal notation (``0.0001``,
    never ``1E-4``): exactly the same number, in the form every DynamoDB implementation reads."""
    typed: dict[str, Any] = TypeSerializer().serialize(value)
    if "N" in typed:
        return {"N": format(Decimal(typed["N"]), "f")}
    if "M" in typed:
        return {"M": {k: serialize(v) for k, v in value.items()}}
    return typed


def _keys(group: RollupGroup, key: str, day: date) -> dict[str, str]:
    return {"pk": f"{group}#{month_of(day)}", "sk": f"{key}#{day.isoformat()}"}


def rollup_updates(entry: LedgerEntry, table_name: str) -> list[dict[str, Any]]:
    """The ``Update`` items of a ``TransactWriteItems`` that add ``entry`` to each of its rollups."""
    usd = entry.usd.model_dump(by_alias=True)
    counters: dict[str, int] = {
        attr: _scaled(getattr(entry.usage, name)) if name in _FRACTIONAL else getattr(entry.usage, name)
        for attr, name in _USAGE.items()
    }
    counters.update({attr: _scaled(usd[alias]) for attr, alias in _USD.items()})
    # Only what moves: a missing counter reads as zero, and a send's line leaves most of them at
    # zero (a shorter expression is also much cheaper for the local stack's moto to check).
    counters = {attr: value for attr, value in counters.items() if value}
    names = {f"#c{i}": attr for i, attr in enumerate(counters)}
    adds = f" ADD {', '.join(f'#c{i} :c{i}' for i in range(len(counters)))}" if counters else ""
    updates = []
    for group in GROUPS:
        key = rollup_key(entry, group)
        values: dict[str, int | str] = {f":c{i}": value for i, value in enumerate(counters.values())}
        values.update({":group": group, ":key": key, ":day": entry.day.isoformat()})
        updates.append(
            {
                "Update": {
                    "TableName": table_name,
                    "Key": {k: serialize(v) for k, v in _keys(group, key, entry.day).items()},
                    "UpdateExpression": f"SET #group = :group, #key = :key, #day = :day{adds}",
                    "ExpressionAttributeNames": {**names, "#group": "group", "#key": "key", "#day": "day"},
                    "ExpressionAttributeValues": {k: serialize(v) for k, v in values.items()},
                }
            }
        )
    return updates


def _rollup(item: dict[str, Any]) -> Rollup:
    usage = Usage(
        **{
            name: _unscaled(item.get(attr, 0)) if name in _FRACTIONAL else int(item.get(attr, 0))
            for attr, name in _USAGE.items()
        }
    )
    usd = ServiceCosts.model_validate({alias: _unscaled(item.get(attr, 0)) for attr, alias in _USD.items()})
    return Rollup(item["group"], item["key"], date.fromisoformat(item["day"]), usage, usd)


def _months(start: date, end: date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


class CostRollupRepository:
    def __init__(self, table_name: str) -> None:
        self._table = dynamodb_table(table_name)

    def _query(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        while True:
            page = self._table.query(**kwargs)
            yield from page["Items"]
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def between(self, group: RollupGroup, start: date, end: date) -> Iterator[Rollup]:
        """The rollups of ``group`` dated ``start`` to ``end``: one query per calendar month."""
        days = Attr("day").between(start.isoformat(), end.isoformat())
        for month in _months(start, end):
            for item in self._query(
                KeyConditionExpression=Key("pk").eq(f"{group}#{month}"), FilterExpression=days
            ):
                yield _rollup(item)

    def workflow_month_spend(self, workflow: str, month: str) -> Decimal:
        """What ``workflow`` has cost in ``month`` (``YYYY-MM``) so far, in USD, every service."""
        sort_keys = Key("sk").between(f"{workflow}#{month}-01", f"{workflow}#{month}-31")
        spend = Decimal(0)
        for item in self._query(KeyConditionExpression=Key("pk").eq(f"workflow#{month}") & sort_keys):
            spend += _rollup(item).usd.total
        return spend
