"""EventBridge's event patterns, for the rules the template deploys: which events reach which target.

Supported: exact values (a list matches any of its values; an array field matches when any element
does), nested fields, and ``prefix``
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html). Any other
operator is refused when the rule is loaded rather than matched loosely.
"""

from __future__ import annotations

from typing import Any

_SUPPORTED_OPERATORS = frozenset({"prefix"})


class UnsupportedPatternError(ValueError):
    """A pattern uses an operator the local bus does not implement."""


def check_pattern(pattern: dict[str, Any]) -> None:
    """Raise ``UnsupportedPatternError`` for an operator the local bus cannot match."""
    for value in pattern.values():
        if isinstance(value, dict):
            check_pattern(value)
            continue
        for item in value:
            if isinstance(item, dict) and not set(item) <= _SUPPORTED_OPERATORS:
                raise UnsupportedPatternError(f"event pattern operator {sorted(item)} is not emulated")


def matches(pattern: dict[str, Any], event: Any) -> bool:
    """Whether ``event`` (an EventBridge envelope, or a part of one) matches ``pattern``."""
    if not isinstance(event, dict):
        return False
    for key, expected in pattern.items():
        if key not in event:
            return False
        value = event[key]
        if isinstance(expected, dict):
            if not matches(expected, value):
                return False
        elif not any(
            _matches_one(item, v)
            for item in expected
            for v in (value if isinstance(value, list) else [value])
        ):
            return False
    return True


def _matches_one(expected: Any, value: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(value, str) and value.startswith(str(expected["prefix"]))
    return bool(expected == value) and type(expected) is type(value)
