"""What the tables hold, in short: ``GET /_local/tables`` answers each table's item count and a
digest of its items, so a test can show that a request stored nothing (the same digests before and
after) without reading the data itself."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def table_digests(dynamodb: Any) -> dict[str, dict[str, Any]]:
    """Each table's ``{"items": n, "digest": sha256}``, by table name; ``dynamodb`` is a boto3 client."""
    found: dict[str, dict[str, Any]] = {}
    for name in sorted(dynamodb.list_tables()["TableNames"]):
        lines = sorted(
            json.dumps(item, sort_keys=True)
            for page in dynamodb.get_paginator("scan").paginate(TableName=name)
            for item in page["Items"]
        )
        digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
        found[name] = {"items": len(lines), "digest": digest}
    return found
