"""Copies of task payloads and results: exactly what a JSON round trip makes, errors included."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.local.stepfunctions.jsoncopy import json_copy

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


def containers(value: Any) -> list[Any]:
    """Every dict and list inside a value, the value included."""
    found = [value] if isinstance(value, dict | list) else []
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return found + [inner for child in children for inner in containers(child)]


@given(json_values)
def test_a_copy_equals_the_round_trip_and_shares_no_container(value: Any) -> None:
    copied = json_copy(value)
    assert copied == json.loads(json.dumps(value))
    originals = {id(container) for container in containers(value)}
    assert not originals & {id(container) for container in containers(copied)}


class Colour(StrEnum):
    RED = "red"


@pytest.mark.parametrize(
    "value",
    [
        {"t": (1, 2)},
        {1: "one", None: "none", 2.5: "half"},
        [Colour.RED, {"c": Colour.RED}],
        {"n": math.inf, "x": -0.0},
    ],
)
def test_what_json_would_change_is_changed_as_json_changes_it(value: Any) -> None:
    assert json.dumps(json_copy(value)) == json.dumps(json.loads(json.dumps(value)))
    assert type(json_copy(value)) is type(json.loads(json.dumps(value)))


def test_what_json_cannot_write_fails_as_json_fails() -> None:
    with pytest.raises(TypeError):
        json_copy({"when": datetime(2024, 1, 1, tzinfo=UTC)})
    looped: dict[str, Any] = {}
    looped["self"] = looped
    with pytest.raises(ValueError, match="Circular reference"):
        json_copy(looped)
