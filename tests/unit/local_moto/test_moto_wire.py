"""The local stack's copies of DynamoDB item values (``local.moto_wire``): moto reads every request
and writes every answer exactly as its own walk of the service model does, for any value, plain,
binary, nested or malformed."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.core.parse import JSONParser
from moto.core.serialize import JSONSerializer, XFormedAttributePicker
from moto.core.utils import get_service_model

from nurtureflow.local import moto_wire

NAMES = st.text(max_size=6)
STRINGS = st.text(max_size=8)
SCALARS = st.one_of(
    st.builds(lambda s: {"S": s}, STRINGS),
    st.builds(lambda n: {"N": str(n)}, st.integers(-(10**6), 10**6)),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
    st.just({"NULL": True}),
    st.builds(lambda s: {"SS": s}, st.lists(STRINGS, max_size=3)),
    st.builds(lambda s: {"NS": s}, st.lists(st.integers().map(str), max_size=3)),
    st.builds(lambda b: {"B": base64.b64encode(b).decode()}, st.binary(max_size=6)),
    st.builds(
        lambda b: {"BS": [base64.b64encode(x).decode() for x in b]},
        st.lists(st.binary(max_size=4), max_size=2),
    ),
)
# What no client sends but the walk must still answer as moto does: wrong types, two members.
ODD = st.one_of(
    st.builds(lambda n: {"S": n}, st.integers()),
    st.builds(lambda s: {"BOOL": s}, STRINGS),
    st.just({"S": "a", "N": "1"}),
    st.just({}),
    st.builds(lambda s: {"SS": [s, 1]}, STRINGS),
)
VALUES = st.recursive(
    st.one_of(SCALARS, ODD),
    lambda inner: st.one_of(
        st.builds(lambda m: {"M": m}, st.dictionaries(NAMES, inner, max_size=4)),
        st.builds(lambda items: {"L": items}, st.lists(inner, max_size=4)),
    ),
    max_leaves=12,
)
ITEMS = st.dictionaries(NAMES, VALUES, max_size=5)


def _operation(name: str) -> Any:
    return get_service_model("dynamodb").operation_model(name)


def _parsed(item: dict[str, Any]) -> Any:
    body = json.dumps({"TableName": "t", "Item": item}).encode()
    request = {"method": "POST", "values": {}, "headers": {}, "body": body, "url_path": "/", "url_params": {}}
    return JSONParser(_operation("PutItem"), map_type=dict).parse(request)  # type: ignore[arg-type]


def _answered(item: dict[str, Any]) -> Any:
    serializer = JSONSerializer(
        operation_model=_operation("GetItem"),
        pretty_print=False,
        value_picker=XFormedAttributePicker(response_transformers=None),
    )
    return serializer.serialize({"Item": item})["body"]


@settings(max_examples=300, deadline=None)
@given(ITEMS)
def test_a_request_s_item_is_read_as_moto_reads_it(item: dict[str, Any]) -> None:
    moto_wire.install()
    with moto_wire.moto_walk():
        expected = _parsed(item)
    assert _parsed(item) == expected


@settings(max_examples=300, deadline=None)
@given(ITEMS)
def test_an_answer_s_item_is_written_as_moto_writes_it(item: dict[str, Any]) -> None:
    moto_wire.install()
    with moto_wire.moto_walk():
        expected = _answered(item)
    assert _answered(item) == expected


def test_plain_values_are_copied_and_others_left_to_moto() -> None:
    nested = {"M": {"a": {"L": [{"S": "x"}, {"N": "1"}, {"NULL": True}]}, "b": {"SS": ["y"]}}}
    assert moto_wire.plain(nested) == nested
    assert moto_wire.plain(nested) is not nested
    for odd in (
        {"B": "AA=="},
        {"M": {"a": {"BS": []}}},
        {"S": 1},
        {"S": "a", "N": "1"},
        {"M": {"": {"S": "x"}}},
    ):
        assert moto_wire.plain(odd) is None, odd


@pytest.fixture
def table() -> Iterator[Any]:
    moto_wire.install()
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="eu-west-1")
        dynamodb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield dynamodb


def test_items_round_trip_through_moto_as_they_did_before(table: Any) -> None:
    item = {
        "pk": {"S": "c1"},
        "traits": {"M": {"name": {"S": "Ada"}, "tags": {"SS": ["a", "b"]}, "score": {"N": "12.5"}}},
        "history": {"L": [{"M": {"at": {"S": "2026-12-04"}, "seen": {"BOOL": True}}}, {"NULL": True}]},
        "avatar": {"B": b"\x00\x01"},
    }
    table.put_item(TableName="t", Item=item)
    ours = table.get_item(TableName="t", Key={"pk": {"S": "c1"}})["Item"]
    with moto_wire.moto_walk():
        theirs = table.get_item(TableName="t", Key={"pk": {"S": "c1"}})["Item"]
    assert ours == theirs == item
