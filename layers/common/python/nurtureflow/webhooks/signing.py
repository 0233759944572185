"""The signature on a webhook's body, so a receiver knows NurtureFlow sent it and when.

``X-NurtureFlow-Signature: t=<unix seconds>,k=<key id>,v1=<hex>``, where ``v1`` is HMAC-SHA256,
keyed with the key ``k``, of ``"<t>." + body`` (the body's exact bytes, UTF-8). The receiver
recomputes it with its copy of the key, compares in constant time, and refuses a ``t`` too far
from its clock (a replay). Several ``v1`` may follow one another while keys rotate.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime

SIGNATURE_HEADER = "X-NurtureFlow-Signature"
# A receiver should refuse older deliveries than this (docs/webhooks.md).
TOLERANCE_SECONDS = 300


def signature(body: str, moment: datetime, key_id: str, key: str) -> str:
    stamp = int(moment.timestamp())
    return f"t={stamp},k={key_id},v1={_mac(key, stamp, body)}"


def verify(
    header: str, body: str, keys: Mapping[str, str], now: datetime, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """What a receiver does (and the tests with it): a known key, a fresh stamp, a matching MAC."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        parts.setdefault(name, []).append(value)
    try:
        stamp = int(parts["t"][0])
        key = keys[parts["k"][0]]
    except (KeyError, ValueError):
        return False
    if abs(now.timestamp() - stamp) > tolerance:
        return False
    expected = _mac(key, stamp, body)
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))


def _mac(key: str, stamp: int, body: str) -> str:
    return hmac.new(key.encode(), f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
