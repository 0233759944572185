"""Properties of ``POST /v1/events`` over open-ended JSON: every answer is a 202 or a 4xx; what is
accepted is stored and read back faithfully (as numbers, with null-valued keys absent); what is
refused leaves the tables untouched."""

from __future__ import annotations

import itertools
from typing import Any

import hypothesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nurtureflow import wiring
from nurtureflow.aws.clients import client
from nurtureflow.contacts.model import NAMED_TRAITS, contact_id_for
from tests.integration.conftest import Harness
from tests.support.numbers import as_decimals

_serial = itertools.count()

# Plain text and numbers DynamoDB holds, with keys that look like paths or named traits.
_plain_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6) | st.sampled_from(
    ["a.b", "#x", "😀", "first_name", "plan"]
)
_plain_numbers = st.integers(-(10**38) + 1, 10**38 - 1) | st.floats(min_value=-1e125, max_value=1e125).filter(
    lambda x: x == 0 or abs(x) >= 1e-130
)
# What breaks stores: NUL, lone surrogates, empty keys, numbers out of DynamoDB's range.
_hostile_text = st.sampled_from(["", "\x00", "a\x00", "\ud800", "\udfff"])
_hostile_numbers = st.sampled_from(
    [1e300, 1e-300, 1e-131, 1e126, 10**38 + 1, -(10**40), float("nan"), float("inf"), float("-inf")]
)


def _maps(
    keys: st.SearchStrategy[str], text: st.SearchStrategy[str], numbers: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    leaves = st.none() | st.booleans() | numbers | text
    values = st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
        max_leaves=12,
    )
    return st.dictionaries(keys, values, max_size=4)


_valid_maps = _maps(_plain_text.filter(bool), _plain_text, _plain_numbers)
_any_maps = _maps(_plain_text | _hostile_text, _plain_text | _hostile_text, _plain_numbers | _hostile_numbers)


def _without_null_keys(value: Any) -> Any:
    """What the store keeps: a key whose value is null is absent, at every depth."""
    if isinstance(value, dict):
        return {k: _without_null_keys(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_null_keys(v) for v in value]
    return value


def _tables() -> tuple[int, ...]:
    """How many items each table ingest writes to holds. Each example posts for a new address, so a
    refused post that wrote anything (a contact, an event, a marker, an alias) adds an item. Read from
    DescribeTable's ItemCount, which moto keeps exact (AWS refreshes it about every six hours): a scan
    of every item grew with the session's tables, to minutes for this test."""
    dynamodb = client("dynamodb")
    return tuple(
        int(dynamodb.describe_table(TableName=getattr(wiring.tables(), table))["Table"]["ItemCount"])
        for table in ("contacts_table", "events_table")
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(traits=_valid_maps | _any_maps, properties=_valid_maps | _any_maps)
def test_accepted_events_read_back_faithfully_and_refused_ones_touch_nothing(
    harness: Harness, traits: dict[str, Any], properties: dict[str, Any]
) -> None:
    address = f"prop{next(_serial)}@example.com"
    event = {"type": "form_submitted", "email": address, "traits": traits, "properties": properties}
    harness.stack.drain()
    before = _tables()
    answer = harness.event(event)
    hypothesis.event("accepted" if answer.status == 202 else f"refused {answer.status}")
    assert answer.status == 202 or 400 <= answer.status < 500, answer.body[:300]
    if answer.status != 202:
        assert answer.json()["details"]
        assert _tables() == before
        assert wiring.contacts().get(contact_id_for(address)) is None
        return
    contact = wiring.contacts().get(contact_id_for(address))
    assert contact is not None
    others = {k: v for k, v in traits.items() if k not in NAMED_TRAITS}
    assert as_decimals(contact.properties) == as_decimals(_without_null_keys(others))
    for name in NAMED_TRAITS:
        assert getattr(contact, name) == traits.get(name)
    [stored] = [e for e in wiring.events().history(contact.id) if e.type == "form_submitted"]
    assert as_decimals(stored.properties) == as_decimals(_without_null_keys(properties))
