"""JsonPath, input/output processing and intrinsic functions."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nurtureflow.local.stepfunctions.errors import (
    INTRINSIC_FAILURE,
    RESULT_PATH_MATCH_FAILURE,
    RUNTIME,
    StatesError,
)
from nurtureflow.local.stepfunctions.intrinsics import evaluate_intrinsic
from nurtureflow.local.stepfunctions.jsonpath import PathNotFound, PathSyntaxError, parse_path
from nurtureflow.local.stepfunctions.paths import build_payload, merge_result, process_result, select

json_scalars = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=8)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)
field_names = st.text(alphabet="abcdefgh_", min_size=1, max_size=6)

DOC = {"a": {"b": [10, 20, {"c": "x"}]}, "items": [{"n": 1, "ok": True}, {"n": 5, "ok": False}], "s": "t"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", DOC),
        ("$.a.b[0]", 10),
        ("$.a.b[-1].c", "x"),
        ("$['a']['b'][1]", 20),
        ("$.items[*].n", [1, 5]),
        ("$.items[?(@.n > 2)].n", [5]),
        ("$.items[?(@.ok == true)].n", [1]),
        ("$..c", ["x"]),
        ("$.a.b[0:2]", [10, 20]),
        ("$.missing[*]", []),
    ],
)
def test_paths_select_values(path: str, expected: Any) -> None:
    assert parse_path(path).get(DOC) == expected


def test_a_definite_path_that_selects_nothing_is_an_error() -> None:
    with pytest.raises(PathNotFound):
        parse_path("$.a.nope").get(DOC)


@pytest.mark.parametrize("path", ["a.b", "$.", "$[", "$.a[?(@.x ~ 1)]"])
def test_malformed_paths_are_rejected(path: str) -> None:
    with pytest.raises(PathSyntaxError):
        parse_path(path)


def test_input_and_output_path_absent_keep_all_and_null_keeps_nothing() -> None:
    assert select({}, "InputPath", DOC, {}) is DOC
    assert select({"InputPath": None}, "InputPath", DOC, {}) == {}
    assert select({"OutputPath": "$.s"}, "OutputPath", DOC, {}) == "t"


def test_a_missing_input_path_is_a_runtime_error() -> None:
    with pytest.raises(StatesError) as raised:
        select({"InputPath": "$.nope"}, "InputPath", DOC, {})
    assert raised.value.name == RUNTIME


def test_payload_templates_resolve_paths_context_and_intrinsics() -> None:
    template = {
        "fixed": {"deep": [1, {"n.$": "$.items[0].n"}]},
        "who.$": "$$.Execution.Name",
        "greeting.$": "States.Format('Hi {}, {} items', $.s, States.ArrayLength($.items))",
    }
    payload = build_payload(template, DOC, {"Execution": {"Name": "run-1"}})
    assert payload == {"fixed": {"deep": [1, {"n": 1}]}, "who": "run-1", "greeting": "Hi t, 2 items"}


def test_a_missing_parameter_path_is_a_runtime_error_naming_the_field() -> None:
    with pytest.raises(StatesError) as raised:
        build_payload({"x.$": "$.nope"}, DOC, {})
    assert raised.value.name == RUNTIME
    assert "'x.$'" in (raised.value.cause or "")


def test_result_path_merges_into_the_raw_input() -> None:
    raw = {"keep": 1, "data": {"v": 2}}
    assert merge_result({}, raw, "r") == "r"
    assert merge_result({"ResultPath": None}, raw, "r") is raw
    assert merge_result({"ResultPath": "$.data.result"}, raw, "r") == {
        "keep": 1,
        "data": {"v": 2, "result": "r"},
    }
    assert merge_result({"ResultPath": "$.new.deeper"}, raw, "r") == {**raw, "new": {"deeper": "r"}}
    assert raw == {"keep": 1, "data": {"v": 2}}


def test_result_path_into_a_non_object_fails() -> None:
    with pytest.raises(StatesError) as raised:
        merge_result({"ResultPath": "$.keep.x"}, {"keep": 1}, "r")
    assert raised.value.name == RESULT_PATH_MATCH_FAILURE


def test_result_selector_then_result_path_then_output_path() -> None:
    state = {"ResultSelector": {"v.$": "$.Payload.value"}, "ResultPath": "$.out", "OutputPath": "$.out"}
    assert process_result(state, {"in": 1}, {"Payload": {"value": 7}}, {}) == {"v": 7}


@given(
    document=st.dictionaries(field_names, json_values, max_size=5),
    names=st.lists(field_names, min_size=1, max_size=4),
    value=json_values,
)
def test_result_path_puts_the_result_where_the_path_reads_it(
    document: dict[str, Any], names: list[str], value: Any
) -> None:
    before = copy.deepcopy(document)
    path = "$." + ".".join(names)
    blocked = _blocked(document, names)
    if blocked:  # a non-object value sits on the path: AWS's States.ResultPathMatchFailure
        with pytest.raises(StatesError, match=RESULT_PATH_MATCH_FAILURE):
            merge_result({"ResultPath": path}, document, value)
        return
    merged = merge_result({"ResultPath": path}, document, value)
    assert parse_path(path).get(merged) == value
    assert document == before  # the input is never mutated
    assert {key: merged[key] for key in document if key != names[0]} == {
        key: document[key] for key in document if key != names[0]
    }


def _blocked(document: Any, names: list[str]) -> bool:
    node = document
    for name in names[:-1]:
        if name not in node:
            return False
        node = node[name]
        if not isinstance(node, dict):
            return True
    return False


@given(template=json_values)
def test_templates_without_dynamic_keys_are_constants(template: Any) -> None:
    if "$" in json.dumps(template):
        return
    assert build_payload(template, DOC, {}) == template


@given(value=json_values)
def test_json_to_string_and_back(value: Any) -> None:
    text = evaluate_intrinsic("States.JsonToString($.v)", {"v": value}, {})
    assert json.loads(text) == value
    assert evaluate_intrinsic("States.StringToJson($.t)", {"t": text}, {}) == value


@given(a=st.integers(-(2**31), 2**31 - 1), b=st.integers(-(2**31), 2**31 - 1))
def test_math_add(a: int, b: int) -> None:
    assert evaluate_intrinsic(f"States.MathAdd({a}, $.b)", {"b": b}, {}) == a + b


@given(start=st.integers(-50, 50), end=st.integers(-50, 50), step=st.integers(1, 7))
def test_array_range_includes_the_end(start: int, end: int, step: int) -> None:
    assert evaluate_intrinsic(f"States.ArrayRange({start}, {end}, {step})", {}, {}) == list(
        range(start, end + 1, step)
    )


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("States.Format('a\\{\\}b \\\\ {}', 'x')", "a{}b \\ x"),
        ("States.Format('it\\'s {} {} {}', 1, true, null)", "it's 1 true null"),
        ("States.Format($.template, $.name)", "Hello, Ann."),
        ("States.Array($.name, 2, States.Array())", ["Ann", 2, []]),
        ("States.ArrayGetItem($.list, 1)", "b"),
        ("States.ArrayLength($.list)", 3),
        ("States.ArrayContains($.list, 'c')", True),
        ("States.ArrayPartition($.list, 2)", [["a", "b"], ["c"]]),
        ("States.ArrayUnique(States.Array(1, 1, 'x', 'x'))", [1, "x"]),
        ("States.JsonMerge($.one, $.two, false)", {"a": 1, "b": 3, "c": 4}),
        ("States.StringSplit('a,b;;c', ',;')", ["a", "b", "c"]),
        ("States.Base64Decode(States.Base64Encode('hé'))", "hé"),
        ("States.Hash('abc', 'SHA-256')", hashlib.sha256(b"abc").hexdigest()),
        ("States.MathRandom(5, 6)", 5),
    ],
)
def test_intrinsic_functions(expression: str, expected: Any) -> None:
    data = {
        "template": "Hello, {}.",
        "name": "Ann",
        "list": ["a", "b", "c"],
        "one": {"a": 1, "b": 2},
        "two": {"b": 3, "c": 4},
    }
    assert evaluate_intrinsic(expression, data, {}) == expected


def test_uuid_is_fresh_each_time() -> None:
    first, second = (evaluate_intrinsic("States.UUID()", {}, {}) for _ in range(2))
    assert first != second
    assert len(first) == 36


@pytest.mark.parametrize(
    "expression",
    [
        "States.Format('{} {}', 'only one')",
        "States.ArrayGetItem($.list, 9)",
        "States.JsonMerge($.one, $.one, true)",
        "States.Nope()",
        "States.Format('open \\ escape')",
        "States.MathAdd('x', 1)",
    ],
)
def test_intrinsic_failures(expression: str) -> None:
    with pytest.raises(StatesError) as raised:
        evaluate_intrinsic(expression, {"list": [], "one": {}}, {})
    assert raised.value.name == INTRINSIC_FAILURE
