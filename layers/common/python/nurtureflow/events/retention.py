"""When a stored event expires: the events table's TTL attribute, in epoch seconds."""

from __future__ import annotations

from datetime import datetime, timedelta

TTL_ATTRIBUTE = "expires_at"
DEFAULT_RETENTION_DAYS = 400


def expires_at(occurred_at: str, received_at: str, retention_days: int) -> int:
    """``retention_days`` after the event happened, as the client says, but never counted from the future.

    A client's clock may run ahead, so the basis is the earlier of occurred_at and received_at; a
    backdated import may already be past its retention, and DynamoDB then removes it within days.
    The result is never before received_at: DynamoDB ignores TTLs more than five years in the past.
    """
    received = datetime.fromisoformat(received_at)
    basis = min(datetime.fromisoformat(occurred_at), received)
    return int(max(basis + timedelta(days=retention_days), received).timestamp())
