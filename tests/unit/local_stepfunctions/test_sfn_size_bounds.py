"""The size bounds that spare the runtime from writing every payload out to measure it: a bound is never
smaller than the size it bounds (else a payload over the quota could pass unmeasured)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from nurtureflow.local.stepfunctions.limits import (
    built_bound,
    error_output_bound,
    output_bound,
    size_of,
    source_bound,
    text_bound,
)
from nurtureflow.local.stepfunctions.paths import build_payload, process_result

CONTEXT = {
    "Execution": {"Id": "arn:aws:states:us-east-1:0:execution:m:e", "Input": {}},
    "State": {"Name": "S"},
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
documents = st.dictionaries(st.sampled_from(["a", "b", "c"]), values, min_size=3, max_size=3)


@settings(max_examples=200, deadline=None)
@given(document=values)
def test_text_bound_bounds_the_value_the_text_denotes(document: Any) -> None:
    for text in (json.dumps(document), json.dumps(document, ensure_ascii=False, indent=1)):
        assert size_of(json.loads(text)) <= text_bound(text)


@settings(max_examples=200, deadline=None)
@given(data=documents, names=st.lists(st.sampled_from(["$.a", "$.b", "$", "$$.Execution"]), max_size=4))
def test_a_built_payload_is_within_its_templates_bound(data: dict[str, Any], names: list[str]) -> None:
    template = {"static": "text é", **{f"f{index}.$": path for index, path in enumerate(names)}}
    context = {**CONTEXT, "Execution": {**CONTEXT["Execution"], "Input": data}}
    payload = build_payload(template, data, context)
    bound = built_bound(template, source_bound(size_of(data), size_of(data)))
    assert size_of(payload) <= bound


@settings(max_examples=200, deadline=None)
@given(
    data=documents,
    result=values,
    result_path=st.sampled_from([None, "$", "$.a", "$.new.deeper", "$.b.x"]),
    selector=st.booleans(),
)
def test_a_states_output_is_within_its_bound(
    data: dict[str, Any], result: Any, result_path: str | None, selector: bool
) -> None:
    state: dict[str, Any] = {"ResultPath": result_path}
    if selector:
        state["ResultSelector"] = {"whole.$": "$", "again.$": "$", "k": 1}
    if result_path == "$.b.x" and not isinstance(data["b"], dict):
        return  # ResultPath can't be applied: States.ResultPathMatchFailure, no output to bound
    output = process_result(state, data, result, CONTEXT)
    bound = output_bound(state, size_of(data), size_of(result), size_of(data))
    assert size_of(output) <= bound


@given(name=st.text(), cause=st.one_of(st.none(), st.text()))
def test_an_error_output_is_within_its_bound(name: str, cause: str | None) -> None:
    output: dict[str, Any] = {"Error": name}
    if cause is not None:
        output["Cause"] = cause
    assert size_of(output) <= error_output_bound(name, cause)
