"""Choice rules: every comparison operator and its Path form, the type tests, And/Or/Not, Default."""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nurtureflow.local.stepfunctions.choice import choose, evaluate
from nurtureflow.local.stepfunctions.errors import NO_CHOICE_MATCHED, RUNTIME, StatesError

ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
numbers = st.integers(-1000, 1000) | st.floats(-1000, 1000, allow_nan=False)


def holds(rule: dict[str, Any], data: Any) -> bool:
    return evaluate(rule, data, {"Execution": {"Name": "exec"}})


@pytest.mark.parametrize("suffix", list(ORDER))
@settings(max_examples=40)
@given(left=numbers, right=numbers)
def test_numeric_comparisons_and_their_path_forms(suffix: str, left: float, right: float) -> None:
    expected = ORDER[suffix](left, right)
    assert holds({"Variable": "$.l", f"Numeric{suffix}": right}, {"l": left}) is expected
    assert holds({"Variable": "$.l", f"Numeric{suffix}Path": "$.r"}, {"l": left, "r": right}) is expected


@pytest.mark.parametrize("suffix", list(ORDER))
@settings(max_examples=40)
@given(left=st.text(max_size=4), right=st.text(max_size=4))
def test_string_comparisons_and_their_path_forms(suffix: str, left: str, right: str) -> None:
    expected = ORDER[suffix](left, right)
    assert holds({"Variable": "$.l", f"String{suffix}": right}, {"l": left}) is expected
    assert holds({"Variable": "$.l", f"String{suffix}Path": "$.r"}, {"l": left, "r": right}) is expected


def _stamp(seconds: int) -> str:
    return (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("suffix", list(ORDER))
@settings(max_examples=40)
@given(left=st.integers(0, 10**9), right=st.integers(0, 10**9))
def test_timestamp_comparisons_and_their_path_forms(suffix: str, left: int, right: int) -> None:
    expected = ORDER[suffix](left, right)
    data = {"l": _stamp(left), "r": _stamp(right)}
    assert holds({"Variable": "$.l", f"Timestamp{suffix}": _stamp(right)}, data) is expected
    assert holds({"Variable": "$.l", f"Timestamp{suffix}Path": "$.r"}, data) is expected


def test_timestamps_compare_across_offsets_and_fractions() -> None:
    data = {"t": "2024-05-01T12:00:00.500+02:00"}
    assert holds({"Variable": "$.t", "TimestampEquals": "2024-05-01T10:00:00.5Z"}, data)
    assert not holds(
        {"Variable": "$.t", "TimestampEquals": "2024-05-01 10:00:00Z"}, data
    )  # no T: not a timestamp


@given(left=st.booleans(), right=st.booleans())
def test_boolean_equals(left: bool, right: bool) -> None:
    assert holds({"Variable": "$.l", "BooleanEquals": right}, {"l": left}) is (left == right)
    assert holds({"Variable": "$.l", "BooleanEqualsPath": "$.r"}, {"l": left, "r": right}) is (left == right)


@pytest.mark.parametrize(
    ("rule", "value"),
    [
        ({"StringEquals": "1"}, 1),
        ({"NumericEquals": 1}, "1"),
        ({"NumericEquals": 1}, True),  # a boolean is not a number
        ({"BooleanEquals": True}, 1),
        ({"TimestampEquals": "2024-01-01T00:00:00Z"}, "yesterday"),
    ],
)
def test_a_value_of_the_wrong_type_never_matches(rule: dict[str, Any], value: Any) -> None:
    assert not holds({"Variable": "$.v", **rule}, {"v": value})


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("log-*.txt", "log-2024.txt", True),
        ("log-*.txt", "log-2024.csv", False),
        ("*", "", True),
        ("a\\*b", "a*b", True),
        ("a\\*b", "axxb", False),
        ("*@example.com", "ann@example.com", True),
    ],
)
def test_string_matches_wildcards(pattern: str, value: str, expected: bool) -> None:
    assert holds({"Variable": "$.v", "StringMatches": pattern}, {"v": value}) is expected


@pytest.mark.parametrize(
    ("test", "value", "expected"),
    [
        ("IsNull", None, True),
        ("IsNull", 0, False),
        ("IsString", "x", True),
        ("IsString", 1, False),
        ("IsNumeric", 1.5, True),
        ("IsNumeric", True, False),
        ("IsBoolean", False, True),
        ("IsTimestamp", "2024-01-01T00:00:00Z", True),
        ("IsTimestamp", "2024-01-01", False),
    ],
)
def test_type_tests(test: str, value: Any, expected: bool) -> None:
    assert holds({"Variable": "$.v", test: True}, {"v": value}) is expected
    assert holds({"Variable": "$.v", test: False}, {"v": value}) is not expected


def test_is_present_and_missing_variables() -> None:
    assert holds({"Variable": "$.v", "IsPresent": True}, {"v": None})
    assert holds({"Variable": "$.w", "IsPresent": False}, {"v": None})
    assert holds({"Variable": "$$.Execution.Name", "StringEquals": "exec"}, {})
    with pytest.raises(StatesError) as raised:
        holds({"Variable": "$.w", "StringEquals": "x"}, {})
    assert raised.value.name == RUNTIME


@given(a=st.booleans(), b=st.booleans())
def test_and_or_not(a: bool, b: bool) -> None:
    data = {"a": a, "b": b}
    is_a, is_b = ({"Variable": f"$.{key}", "BooleanEquals": True} for key in "ab")
    assert holds({"And": [is_a, is_b]}, data) is (a and b)
    assert holds({"Or": [is_a, is_b]}, data) is (a or b)
    assert holds({"Not": {"And": [is_a, {"Not": is_b}]}}, data) is not (a and not b)


def test_choose_takes_the_first_match_then_default_then_fails() -> None:
    state = {
        "Choices": [
            {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"},
            {"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Medium"},
        ],
        "Default": "Small",
    }
    assert choose(state, {"n": 11}, {}) == "Big"
    assert choose(state, {"n": 7}, {}) == "Medium"
    assert choose(state, {"n": 1}, {}) == "Small"
    del state["Default"]
    with pytest.raises(StatesError) as raised:
        choose(state, {"n": 1}, {})
    assert raised.value.name == NO_CHOICE_MATCHED
