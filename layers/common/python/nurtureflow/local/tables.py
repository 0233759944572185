"""What the tables hold, in short: ``GET /_local/tables`` answers each table's item count and a
digest of its items, so a test can show that a request stored nothing (the same digests before and
after) without reading the data itself.

The digests are read from moto's tables in the process, not through ``Scan``: the API fuzzing test
asks for them before and after every write it sends, and scanning every table through botocore and
moto's responses made that test most of the suite's time as the tables grew.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def table_digests(backend: Any) -> dict[str, dict[str, Any]]:
    """Each table's ``{"items": n, "digest": sha256}``, by table name; ``backend`` is moto's DynamoDB
    backend of the stack's account and region. Each item is its attributes as ``Scan`` answers them."""
    found: dict[str, dict[str, Any]] = {}
    for name, table in sorted(backend.tables.items()):
        lines = sorted(_line(item) for item in table.all_items())
        digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
        found[name] = {"items": len(lines), "digest": digest}
    return found


def _line(item: Any) -> str:
    """An item's attributes as ``Scan`` answers them, as canonical JSON."""
    return json.dumps(item.to_json()["Attributes"], sort_keys=True, default=str)
