"""Choice rules: comparison operators, type tests, And/Or/Not, and picking the next state."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from .context import context_object
from .errors import NO_CHOICE_MATCHED, StatesError
from .jsonpath import PathSyntaxError, parse_path
from .paths import query, to_json
from .timestamps import parse_timestamp

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_string(value: Any) -> Any:
    return value if isinstance(value, str) else None


def _as_number(value: Any) -> Any:
    return value if _is_number(value) else None


def _as_boolean(value: Any) -> Any:
    return value if isinstance(value, bool) else None


# family -> how to read a value of that type (None: not of that type, so the comparison is false)
_FAMILIES: dict[str, Callable[[Any], Any]] = {
    "String": _as_string,
    "Numeric": _as_number,
    "Boolean": _as_boolean,
    "Timestamp": parse_timestamp,
}

_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda value: value is None,
    "IsString": lambda value: isinstance(value, str),
    "IsNumeric": _is_number,
    "IsBoolean": lambda value: isinstance(value, bool),
    "IsTimestamp": lambda value: parse_timestamp(value) is not None,
}


def _comparison_operators() -> dict[str, tuple[str, Callable[[Any, Any], bool]]]:
    operators: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {}
    for family in ("String", "Numeric", "Timestamp"):
        for suffix, compare in _ORDER.items():
            operators[family + suffix] = (family, compare)
    operators["BooleanEquals"] = ("Boolean", operator.eq)
    return operators


COMPARISONS = _comparison_operators()
TESTS = frozenset({*_TYPE_TESTS, "IsPresent"})
OPERATORS = frozenset(
    {*COMPARISONS, *(name + "Path" for name in COMPARISONS), "StringMatches", "StringMatchesPath", *TESTS}
)


def choose(state: Mapping[str, Any], data: Any, context: Any) -> str:
    """The ``Next`` of the first matching rule, else ``Default``, else States.NoChoiceMatched."""
    for rule in state["Choices"]:
        if evaluate(rule, data, context):
            return str(rule["Next"])
    if "Default" in state:
        return str(state["Default"])
    raise StatesError(NO_CHOICE_MATCHED, f"No Matches! Input: {to_json(data)}")


def evaluate(rule: Mapping[str, Any], data: Any, context: Any) -> bool:
    """Whether one (possibly compound) rule holds for the data."""
    if "And" in rule:
        return all(evaluate(inner, data, context) for inner in rule["And"])
    if "Or" in rule:
        return any(evaluate(inner, data, context) for inner in rule["Or"])
    if "Not" in rule:
        return not evaluate(rule["Not"], data, context)
    name = operator_of(rule)
    variable = rule["Variable"]
    if name == "IsPresent":
        return _exists(variable, data, context) == bool(rule[name])
    value = query(variable, data, context)
    if name in _TYPE_TESTS:
        return _TYPE_TESTS[name](value) == bool(rule[name])
    operand = rule[name]
    if name.endswith("Path"):
        name = name.removesuffix("Path")
        operand = query(operand, data, context)
    if name == "StringMatches":
        return (
            isinstance(value, str)
            and isinstance(operand, str)
            and _wildcard(operand).fullmatch(value) is not None
        )
    family, compare = COMPARISONS[name]
    read = _FAMILIES[family]
    left, right = read(value), read(operand)
    return left is not None and right is not None and compare(left, right)


def operator_of(rule: Mapping[str, Any]) -> str:
    """The single comparison or test a simple rule uses (ValueError if none or several)."""
    names = [key for key in rule if key in OPERATORS]
    if len(names) != 1:
        raise ValueError(f"a choice rule needs exactly one comparison operator, found {names or 'none'}")
    return names[0]


def _exists(variable: str, data: Any, context: Any) -> bool:
    try:
        path = parse_path(variable)
    except PathSyntaxError:
        return False
    return path.exists(context_object(context) if path.root == "$$" else data)


@lru_cache(maxsize=256)
def _wildcard(pattern: str) -> re.Pattern[str]:
    """StringMatches: ``*`` matches any run of characters; ``\\*`` and ``\\\\`` are a literal star and
    backslash."""
    parts, position = [], 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\" and position + 1 < len(pattern):
            parts.append(re.escape(pattern[position + 1]))
            position += 2
            continue
        parts.append(".*" if char == "*" else re.escape(char))
        position += 1
    return re.compile("".join(parts), re.DOTALL)
