"""Conditions on live data: operators, combinators, absent paths and event properties."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.conditions.evaluate import ConditionContext, evaluate
from nurtureflow.conditions.model import parse_condition

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
CONTACT = {
    "email": "ana@example.com",
    "score": 55,
    "first_name": "Ana",
    "lists": ["vip"],
    "properties": {"plan": "pro", "tags": ["a", "b"]},
    "created_at": "2026-11-01T00:00:00+00:00",
}
EVENT = {"type": "cart_updated", "value": 42.5, "currency": "EUR", "occurred_at": "2026-11-23T11:00:00+00:00"}


def holds(
    condition: dict[str, Any], contact: dict[str, Any] = CONTACT, event: dict[str, Any] | None = EVENT
) -> bool:
    return evaluate(parse_condition(condition), ConditionContext(contact, event, NOW))


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "contact.score", "op": "gte", "value": 50}, True),
        ({"field": "contact.score", "op": "gt", "value": 55}, False),
        ({"field": "contact.score", "op": "lt", "value": 56}, True),
        ({"field": "contact.score", "op": "lte", "value": 54}, False),
        ({"field": "contact.first_name", "op": "eq", "value": "Ana"}, True),
        ({"field": "contact.first_name", "op": "ne", "value": "Ana"}, False),
        ({"field": "contact.properties.plan", "op": "in", "value": ["pro", "team"]}, True),
        ({"field": "contact.properties.plan", "op": "not_in", "value": ["pro"]}, False),
        ({"field": "contact.properties.tags", "op": "contains", "value": "b"}, True),
        ({"field": "contact.email", "op": "starts_with", "value": "ana@"}, True),
        ({"field": "contact.created_at", "op": "within", "value": "P30D"}, True),
        ({"field": "contact.created_at", "op": "within", "value": "P7D"}, False),
        ({"field": "event.value", "op": "gte", "value": 20}, True),
        ({"field": "event.type", "op": "eq", "value": "cart_updated"}, True),
        ({"in_list": "vip"}, True),
        ({"in_list": "press"}, False),
    ],
)
def test_operators(condition: dict[str, Any], expected: bool) -> None:
    assert holds(condition) is expected


def test_cart_under_20_does_not_match_the_contract_trigger() -> None:
    where = {"field": "event.value", "op": "gte", "value": 20}
    assert holds(where, event={**EVENT, "value": 19.99}) is False


def test_combinators() -> None:
    high = {"field": "contact.score", "op": "gte", "value": 50}
    low = {"field": "contact.score", "op": "lt", "value": 10}
    assert holds({"all": [high, {"not": low}]})
    assert holds({"any": [low, high]})
    assert not holds({"all": [high, low]})


@given(
    st.sampled_from(["eq", "ne", "gt", "gte", "lt", "lte", "contains", "starts_with"]),
    st.one_of(st.integers(), st.text(max_size=5)),
)
def test_an_absent_path_makes_every_leaf_false_but_exists(op: str, value: Any) -> None:
    leaf = {"field": "contact.properties.missing", "op": op, "value": value}
    assert holds(leaf) is False
    assert holds({"field": "contact.properties.missing", "op": "exists", "value": False}) is True
    assert holds({"field": "contact.properties.plan", "op": "exists", "value": True}) is True


def test_comparing_text_with_numbers_is_false_not_an_error() -> None:
    assert holds({"field": "contact.first_name", "op": "gt", "value": 3}) is False


def test_no_event_means_event_paths_are_absent() -> None:
    assert holds({"field": "event.value", "op": "gte", "value": 0}, event=None) is False
