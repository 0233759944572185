"""The local stack's TransactWriteItems (``local.moto_speed``): moto's semantics kept, all or
nothing, without copying whole tables. A cancelled transaction leaves every item it named as it
was, created ones removed
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

from nurtureflow.local import moto_speed


@pytest.fixture
def client() -> Iterator[Any]:
    moto_speed.install()
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="eu-west-1")
        for name, keys in (("plain", [("pk", "HASH")]), ("ranged", [("pk", "HASH"), ("sk", "RANGE")])):
            dynamodb.create_table(
                TableName=name,
                KeySchema=[{"AttributeName": k, "KeyType": t} for k, t in keys],
                AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k, _ in keys],
                BillingMode="PAY_PER_REQUEST",
            )
        dynamodb.put_item(TableName="plain", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
        dynamodb.put_item(TableName="ranged", Item={"pk": {"S": "c"}, "sk": {"S": "1"}, "n": {"N": "1"}})
        yield dynamodb


def _items(client: Any) -> dict[str, list[dict[str, Any]]]:
    return {t: sorted(client.scan(TableName=t)["Items"], key=str) for t in ("plain", "ranged")}


def _update(table: str, key: dict[str, Any]) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table,
            "Key": key,
            "UpdateExpression": "SET n = :n",
            "ExpressionAttributeValues": {":n": {"N": "2"}},
        }
    }


def test_a_cancelled_transaction_puts_back_what_it_changed_and_removes_what_it_created(client: Any) -> None:
    before = _items(client)
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(
            TransactItems=[
                _update("plain", {"pk": {"S": "a"}}),
                _update("ranged", {"pk": {"S": "c"}, "sk": {"S": "1"}}),
                {"Put": {"TableName": "plain", "Item": {"pk": {"S": "new"}}}},
                {"Put": {"TableName": "ranged", "Item": {"pk": {"S": "c"}, "sk": {"S": "2"}}}},
                {
                    "Put": {  # the last one fails: everything before it was applied, then undone
                        "TableName": "plain",
                        "Item": {"pk": {"S": "a2"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    assert _items(client) == before


def test_a_transaction_that_passes_writes_everything(client: Any) -> None:
    client.transact_write_items(
        TransactItems=[
            _update("plain", {"pk": {"S": "a"}}),
            {"Put": {"TableName": "plain", "Item": {"pk": {"S": "b"}}}},
        ]
    )
    assert {i["pk"]["S"]: i.get("n") for i in client.scan(TableName="plain")["Items"]} == {
        "a": {"N": "2"},
        "b": None,
    }


def test_moto_s_own_refusals_stand(client: Any) -> None:
    with pytest.raises(client.exceptions.ClientError, match="ValidationException"):
        client.transact_write_items(
            TransactItems=[_update("plain", {"pk": {"S": "a"}}), _update("plain", {"pk": {"S": "a"}})]
        )
    assert client.get_item(TableName="plain", Key={"pk": {"S": "a"}})["Item"]["n"] == {"N": "1"}


def test_outside_a_transaction_a_table_is_still_copied_whole() -> None:
    moto_speed.install()
    table = Table(
        "t",
        account_id="123456789012",
        region="eu-west-1",
        schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        attr=[{"AttributeName": "pk", "AttributeType": "S"}],
    )
    clone = copy.deepcopy(table)
    assert clone is not table
    assert clone.items is not table.items
    assert clone.name == "t"


def _sks(client: Any, **kwargs: Any) -> list[list[str]]:
    pages, start = [], None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        page = client.query(TableName="ranged", **kwargs, **extra)
        pages.append([item["sk"]["S"] for item in page["Items"]])
        start = page.get("LastEvaluatedKey")
        if start is None:
            return [p for p in pages if p]


def test_a_query_on_the_table_s_key_reads_its_partition_as_moto_would(client: Any) -> None:
    for pk in ("c", "d", "e"):
        for sk in range(12):
            item = {"pk": {"S": pk}, "sk": {"S": f"{sk:02d}"}}
            client.put_item(TableName="ranged", Item=item)
    pages = _sks(
        client,
        KeyConditionExpression="pk = :p AND sk >= :s",
        ExpressionAttributeValues={":p": {"S": "d"}, ":s": {"S": "03"}},
        Limit=4,
        ScanIndexForward=False,
    )
    assert pages == [["11", "10", "09", "08"], ["07", "06", "05", "04"], ["03"]]
    missing = {":p": {"S": "zz"}}
    assert _sks(client, KeyConditionExpression="pk = :p", ExpressionAttributeValues=missing) == []


def test_reading_a_partition_does_not_read_the_others(client: Any) -> None:
    for pk in range(200):
        client.put_item(TableName="plain", Item={"pk": {"S": f"k{pk}"}})
    read: list[int] = []
    narrowed = Table.all_items

    def counting(self: Table) -> list[Any]:
        items = narrowed(self)
        read.append(len(items))
        return items

    Table.all_items = counting  # type: ignore[method-assign]
    try:
        found = client.query(
            TableName="plain", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "k7"}}
        )
    finally:
        Table.all_items = narrowed  # type: ignore[method-assign]
    assert [i["pk"]["S"] for i in found["Items"]] == ["k7"]
    assert read == [1]


def _add(client: Any, expression: str, names: dict[str, str], values: dict[str, Any]) -> dict[str, Any]:
    return client.update_item(  # type: ignore[no-any-return]
        TableName="plain",
        Key={"pk": {"S": "counters"}},
        UpdateExpression=expression,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
        ReturnValues="ALL_NEW",
    )["Attributes"]


def test_an_update_expression_used_again_updates_from_its_new_values(client: Any) -> None:
    """Each distinct expression is parsed once: the second use still adds its own values."""
    expression, names = "SET #k = :k ADD #a :a, #b :b", {"#k": "kind", "#a": "a", "#b": "b"}
    _add(client, expression, names, {":k": {"S": "x"}, ":a": {"N": "1"}, ":b": {"N": "2"}})
    after = _add(client, expression, names, {":k": {"S": "y"}, ":a": {"N": "10"}, ":b": {"N": "20"}})
    assert (after["kind"], after["a"], after["b"]) == ({"S": "y"}, {"N": "11"}, {"N": "22"})


def test_an_expression_that_passed_is_still_refused_with_names_that_overlap(client: Any) -> None:
    """The clause and overlap checks remember expressions that passed, with their names: the same
    text naming one attribute twice is refused as DynamoDB refuses it
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html)."""
    expression, values = "ADD #a :a, #b :b", {":a": {"N": "1"}, ":b": {"N": "1"}}
    _add(client, expression, {"#a": "a", "#b": "b"}, values)
    with pytest.raises(client.exceptions.ClientError, match="Two document paths overlap"):
        _add(client, expression, {"#a": "a", "#b": "a"}, values)
    with pytest.raises(client.exceptions.ClientError, match="ADD"):
        _add(client, "ADD #a :a ADD #b :b", {"#a": "a", "#b": "b"}, values)  # two ADD clauses
    with pytest.raises(client.exceptions.ClientError, match="ADD"):
        _add(client, "ADD #a :a ADD #b :b", {"#a": "a", "#b": "b"}, values)  # and again
    with pytest.raises(client.exceptions.ClientError):
        _add(client, "ADD #a :a,", {"#a": "a"}, {":a": {"N": "1"}})  # a syntax error, twice
    with pytest.raises(client.exceptions.ClientError):
        _add(client, "ADD #a :a,", {"#a": "a"}, {":a": {"N": "1"}})


# Counter updates applied directly: the same items and the same refusals as moto's own update.
_ATTRS = ["pk", "sk", "n", "s", "ss", "a", "b"]  # pk and sk are key attributes of "ranged"
_VALUES = [{"N": "1"}, {"N": "2.50"}, {"N": "-3"}, {"N": "05"}, {"S": "x"}, {"S": ""}, {"BOOL": True}]
_VALUES += [{"SS": ["y"]}, {"L": []}, {"S": "z" * 202_500}]  # two of the last pass the item size limit


@st.composite
def _counter_update(draw: st.DrawFn) -> dict[str, Any]:
    actions = draw(st.lists(st.tuples(st.sampled_from(["SET", "ADD"]), st.sampled_from(_ATTRS)), max_size=4))
    sets = [f"#{attr} = :v{i}" for i, (verb, attr) in enumerate(actions) if verb == "SET"]
    adds = [f"#{attr} :v{i}" for i, (verb, attr) in enumerate(actions) if verb == "ADD"]
    clauses = ([f"SET {', '.join(sets)}"] if sets else []) + ([f"ADD {', '.join(adds)}"] if adds else [])
    expression = " ".join(draw(st.permutations(clauses))) or "SET #n = :v0"
    update: dict[str, Any] = {
        "TableName": "ranged",
        "Key": {"pk": {"S": draw(st.sampled_from(["c", "d"]))}, "sk": {"S": "1"}},
        "UpdateExpression": expression,
        "ExpressionAttributeNames": {f"#{attr}": attr for _, attr in actions} or {"#n": "n"},
        "ExpressionAttributeValues": {f":v{i}": draw(st.sampled_from(_VALUES)) for i in range(len(actions))}
        or {":v0": {"N": "1"}},
    }
    if draw(st.booleans()):
        update["ConditionExpression"] = draw(
            st.sampled_from(["attribute_exists(pk)", "attribute_not_exists(n)"])
        )
    return update


def _outcome(client: Any, updates: list[dict[str, Any]]) -> list[Any]:
    outcomes: list[Any] = []
    for update in updates:
        try:
            answer = client.update_item(**update, ReturnValues="ALL_NEW")
            outcomes.append(answer.get("Attributes"))
        except client.exceptions.ClientError as error:
            outcomes.append((error.response["Error"]["Code"], error.response["Error"]["Message"]))
    return [*outcomes, _items(client)["ranged"]]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(updates=st.lists(_counter_update(), min_size=1, max_size=5))
def test_counter_updates_applied_directly_end_as_moto_s_own_updates(
    client: Any, updates: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every SET/ADD update of top-level attributes, including those moto must refuse (a key
    attribute set, an attribute twice, ADD to a string, a set added to a number, a failed condition),
    ends with the same item and the same answer with the direct path as with moto's checks alone."""
    snapshot = copy.deepcopy(_items(client))
    direct = _outcome(client, updates)
    for table in ("plain", "ranged"):  # back to the same start
        for item in _items(client)[table]:
            client.delete_item(TableName=table, Key={k: item[k] for k in ("pk", "sk") if k in item})
        for item in snapshot[table]:
            client.put_item(TableName=table, Item=item)
    with monkeypatch.context() as patch:
        patch.setattr(DynamoDBBackend, "update_item", DynamoDBBackend.update_item.moto)  # type: ignore[attr-defined]
        assert _outcome(client, updates) == direct
    for table in ("plain", "ranged"):
        for item in _items(client)[table]:
            client.delete_item(TableName=table, Key={k: item[k] for k in ("pk", "sk") if k in item})
        for item in snapshot[table]:
            client.put_item(TableName=table, Item=item)


def test_counter_updates_take_the_direct_path() -> None:
    """The shapes the stats and cost rollups write are recognised; anything else is left to moto."""
    assert moto_speed.counter_actions("SET #g = :g, #k = :k ADD #c0 :c0, #c1 :c1") == [
        ("SET", "#g", ":g"), ("SET", "#k", ":k"), ("ADD", "#c0", ":c0"), ("ADD", "#c1", ":c1"),
    ]  # fmt: skip
    for other in ("SET a = :a", "SET #a = #b + :a", "ADD #a :a ADD #b :b", "REMOVE #a", "SET #a.b = :a",
                  "SET #a = if_not_exists(#a, :a)", "SET #a[0] = :a", "DELETE #s :s", ""):  # fmt: skip
        assert moto_speed.counter_actions(other) is None


@pytest.mark.parametrize("length", [404_995, 404_996, 404_997])
def test_an_item_is_refused_past_moto_s_size_limit_exactly_as_before(length: int) -> None:
    """``pk`` (2 bytes) and ``a`` (1) are counted with the values: 405,000 bytes pass, one more not."""
    moto_speed.install()
    attrs = {"pk": {"S": "a"}, "x": {"S": "y" * length}}

    def built(init: Any) -> Any:
        item = Item.__new__(Item)
        try:
            init(item, DynamoType({"S": "a"}), None, attrs)
        except ItemSizeTooLarge as error:
            return type(error)
        return item.attrs

    assert built(Item.__init__) == built(Item.__init__.moto)  # type: ignore[attr-defined]
    assert (built(Item.__init__) is ItemSizeTooLarge) == (length > 404_996)


def test_a_condition_without_values_parsed_once_answers_as_moto_each_time(client: Any) -> None:
    """The same guard used again sees each item afresh; its names are still checked on each use."""
    guard = {"ConditionExpression": "attribute_not_exists(#k)", "ExpressionAttributeNames": {"#k": "pk"}}
    for _ in range(2):
        client.put_item(TableName="plain", Item={"pk": {"S": "new-once"}}, **guard)
        with pytest.raises(client.exceptions.ConditionalCheckFailedException):
            client.put_item(TableName="plain", Item={"pk": {"S": "new-once"}}, **guard)
        client.delete_item(TableName="plain", Key={"pk": {"S": "new-once"}})
    other = {"ConditionExpression": "attribute_not_exists(#k)", "ExpressionAttributeNames": {"#k": "n"}}
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.put_item(TableName="plain", Item={"pk": {"S": "a"}}, **other)  # "a" has n
    unused = {**guard, "ExpressionAttributeNames": {"#k": "pk", "#x": "x"}}
    for _ in range(2):
        with pytest.raises(client.exceptions.ClientError, match="unused"):
            client.put_item(TableName="plain", Item={"pk": {"S": "b"}}, **unused)
