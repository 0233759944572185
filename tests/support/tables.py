"""Reading whole tables in tests: what a repository would never do, but an assertion about
"nothing is left anywhere" must."""

from __future__ import annotations

from typing import Any

from nurtureflow import wiring
from nurtureflow.aws.clients import dynamodb_table


def scan_all(setting: str, **scan: Any) -> list[dict[str, Any]]:
    """Every item of the table named by ``setting`` (a ``TableSettings`` field), page by page."""
    table = dynamodb_table(getattr(wiring.tables(), setting))
    items: list[dict[str, Any]] = []
    while True:
        page = table.scan(**scan)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
