"""Checking a broadcast request: the field that is wrong is named, and send_at means what it says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from nurtureflow.broadcasts.model import BroadcastInvalidError, parse_request

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
VIP = {"field": "contact.properties.vip", "op": "eq", "value": True}


def _body(**change: Any) -> dict[str, Any]:
    return {"name": "Sale", "template": "sale", "segment": VIP, **change}


def _field(body: Any) -> str:
    with pytest.raises(BroadcastInvalidError) as raised:
        parse_request(body, NOW)
    return raised.value.field


def test_send_at_defaults_to_now_and_a_moment_ago_means_now() -> None:
    assert parse_request(_body(), NOW).send_at == NOW
    assert parse_request(_body(send_at="2026-11-24T08:57:00Z"), NOW).send_at == NOW
    later = parse_request(_body(send_at="2026-11-24T12:00:00+02:00"), NOW).send_at
    assert later == NOW + timedelta(hours=1)


@pytest.mark.parametrize(
    "send_at", ["2026-11-24T08:54:00Z", "2027-11-25T09:00:00Z", "2026-11-24T12:00:00", "soon", 5]
)
def test_send_at_too_early_too_late_without_zone_or_not_a_time_is_refused(send_at: Any) -> None:
    assert _field(_body(send_at=send_at)) == "send_at"


@pytest.mark.parametrize(
    "segment",
    [
        {"field": "contact.score", "op": "bigger", "value": 1},
        {"any": [VIP, {"not": {"field": "event.form", "op": "eq", "value": "x"}}]},
        {"all": [VIP, {"email": "welcome", "clicked": True}]},
        "vip",
    ],
)
def test_segments_that_cannot_choose_an_audience_are_refused(segment: Any) -> None:
    assert _field(_body(segment=segment)) == "segment"


def test_history_lists_and_nested_conditions_are_fine_segments() -> None:
    segment = {
        "all": [
            {"in_list": "newsletter"},
            {"not": {"event": "purchase", "where": {"field": "event.total", "op": "gt", "value": 10}}},
        ]
    }
    assert parse_request(_body(segment=segment), NOW).segment == segment


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"template": "sale", "segment": VIP}, "name"),
        (_body(name=""), "name"),
        (_body(template=7), "template"),
        (_body(max_emails_per_day=0), "max_emails_per_day"),
        (_body(max_emails_per_day=True), "max_emails_per_day"),
        (_body(extra=True), "extra"),
        ([], "body"),
    ],
)
def test_each_wrong_field_is_named(body: Any, field: str) -> None:
    assert _field(body) == field
