"""The value rules against DynamoDB's number type: a number the rules accept serialises for
DynamoDB and reads back as the same number; one they refuse would not have."""

from __future__ import annotations

from decimal import Decimal

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.events.values import MAX_VALUE_DEPTH, number_problem, value_problems
from nurtureflow.store.items import to_dynamo, to_plain
from tests.support.numbers import as_decimals

_numbers = (
    st.integers(-(10**130), 10**130)
    | st.floats()
    | st.builds(lambda d, e: d * 10**e, st.integers(1, 10**39), st.integers(0, 100))
    | st.builds(lambda m, e: float(f"{m}e{e}"), st.integers(1, 9), st.integers(-135, 130))
)


@given(_numbers)
def test_a_number_the_rules_accept_reads_back_the_same_and_a_refused_one_would_fail(
    number: int | float,
) -> None:
    try:
        wire = TypeSerializer().serialize(to_dynamo(number))
        back = to_plain(TypeDeserializer().deserialize(wire))
        stored = as_decimals(back) == as_decimals(number) and _in_dynamodb_range(Decimal(wire["N"]))
    except Exception:
        stored = False
    assert (number_problem(number) is None) == stored


def _in_dynamodb_range(number: Decimal) -> bool:
    return number == 0 or Decimal("1E-130") <= abs(number) <= Decimal(
        "9.9999999999999999999999999999999999999E+125"
    )


def test_nesting_is_counted_from_the_map_and_named_by_its_path() -> None:
    deep: object = 1
    for _ in range(MAX_VALUE_DEPTH):
        deep = [deep]
    assert list(value_problems({"k": deep}, "properties")) == []
    assert [p for p, _ in value_problems({"k": [deep]}, "properties")] == [
        "properties/k" + "/0" * MAX_VALUE_DEPTH
    ]
