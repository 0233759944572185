"""The payload quota AWS enforces on a running execution: 262,144 bytes of UTF-8 JSON for a state's input
and output, a task's result and an execution's input (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).

Writing every state's data as JSON to measure it would cost a run about half again its time. So the engine
carries an upper bound of each run's data size, from sizes it knows (the execution's input, a task's
result, templates): a payload whose bound is within the quota needs no measuring, and only one whose
bound is not (or unknown) is written out and measured.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import DATA_LIMIT_EXCEEDED, StatesError
from .paths import to_json

MAX_PAYLOAD_BYTES = 262_144
# A character is at most 4 bytes in UTF-8: text this short is within the quota without encoding it.
_SURELY_WITHIN = MAX_PAYLOAD_BYTES // 4


def text_too_large(text: str) -> bool:
    """Whether JSON text is over the quota, counted in UTF-8 bytes as AWS counts it."""
    return len(text) > _SURELY_WITHIN and len(text.encode("utf-8", "surrogatepass")) > MAX_PAYLOAD_BYTES


def too_large(value: Any) -> bool:
    """Whether a value, written as Step Functions writes it (compact JSON), is over the quota."""
    return text_too_large(to_json(value))


UNKNOWN = -1  # a size bound nobody knows: measure
# The context object beyond the execution's input and the state's data: ARNs, names, times, a token.
_CONTEXT_BYTES = 4096
# Text read back as values and written compactly grows at most 4.5 times ("1e15" -> 1000000000000000.0).
_REWRITE_GROWTH = 5


def size_of(value: Any) -> int:
    """The value's size as compact JSON in UTF-8 bytes."""
    text = to_json(value)
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def text_bound(text: str) -> int:
    """A bound of the size of the value JSON text denotes, once written compactly."""
    size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
    return _REWRITE_GROWTH * size + 16


def error_output_bound(name: str, cause: str | None) -> int:
    """A bound of the size of an error output ``{"Error": name, "Cause": cause}`` (6 bytes a character:
    the longest escape)."""
    return 6 * (len(name) + len(cause or "")) + 32


def within(bound: int) -> bool:
    return bound != UNKNOWN and bound <= MAX_PAYLOAD_BYTES


def source_bound(data_bound: int, input_bound: int) -> int:
    """A bound of any value a path can select: from the state's data or the context object (which holds
    the execution's input)."""
    return UNKNOWN if data_bound == UNKNOWN else data_bound + input_bound + _CONTEXT_BYTES


# id(template) -> (template, static bytes, dynamic fields), or None for a template with an intrinsic call
# (which can build a value of any size); holding the template keeps its id from being reused.
_templates: dict[int, tuple[Any, tuple[int, int] | None]] = {}


def built_bound(template: Any, source: int) -> int:
    """A bound of a payload built from ``template`` when each of its paths selects at most ``source``."""
    entry = _templates.get(id(template))
    if entry is None or entry[0] is not template:
        if len(_templates) >= 4096:
            _templates.clear()
        entry = (template, _template_growth(template))
        _templates[id(template)] = entry
    growth = entry[1]
    if growth is None or (growth[1] and source == UNKNOWN):
        return UNKNOWN
    static, dynamic = growth
    return static + dynamic * max(source, 0)


def _template_growth(template: Any) -> tuple[int, int] | None:
    dynamic, intrinsic = 0, False

    def walk(node: Any) -> None:
        nonlocal dynamic, intrinsic
        if isinstance(node, dict):
            for key, value in node.items():
                if key.endswith(".$"):
                    dynamic += 1
                    intrinsic = intrinsic or not isinstance(value, str) or value.startswith("States.")
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(template)
    return None if intrinsic else (size_of(template), dynamic)


def output_bound(state: Mapping[str, Any], data_bound: int, result_bound: int, input_bound: int) -> int:
    """A bound of a state's output from bounds of its input (``data_bound``) and result: ResultSelector,
    then ResultPath (OutputPath only selects, so it never grows anything)."""
    if "ResultSelector" in state:
        result_bound = built_bound(state["ResultSelector"], source_bound(result_bound, input_bound))
    if "ResultPath" not in state:
        return result_bound
    path = state["ResultPath"]
    if path is None:
        return data_bound
    if data_bound == UNKNOWN or result_bound == UNKNOWN:
        return UNKNOWN
    return data_bound + result_bound + 2 * len(path.encode()) + 16  # the new keys, quotes and brackets


def result_too_large(who: str) -> StatesError:
    """AWS's error for a state's output or a task's result over the quota; ``who`` is the state's name, or
    for a task the resource type (``lambda``) or function ARN (AWS-recorded, LocalStack's snapshots)."""
    cause = (
        f"The state/task '{who}' returned a result with a size exceeding the maximum number of bytes "
        "service limit."
    )
    return StatesError(DATA_LIMIT_EXCEEDED, cause)


def input_too_large(state_name: str) -> StatesError:
    """The error for a state whose input, after Parameters, is over the quota (AWS's text is undocumented)."""
    cause = (
        f"The state/task '{state_name}' has an input with a size exceeding the maximum number of bytes "
        "service limit."
    )
    return StatesError(DATA_LIMIT_EXCEEDED, cause)
