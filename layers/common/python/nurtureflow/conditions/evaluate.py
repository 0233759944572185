"""Evaluate conditions on live data. An absent path makes every leaf false but ``exists``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from nurtureflow.conditions.model import AllOf, AnyOf, Condition, Engagement, History, InList, Leaf, NotOf
from nurtureflow.workflow.durations import parse_duration

_MISSING = object()


class ConditionHistory(Protocol):
    """Live data some conditions need, provided by the caller (stores in AWS, fakes in tests)."""

    def events(self, event_type: str, since: datetime | None) -> Sequence[dict[str, Any]]:
        """The contact's events of that type since the moment, as condition data."""
        ...

    def engaged(self, step_id: str, measure: str) -> bool:
        """Whether the email this run sent at ``step_id`` was opened, clicked, delivered, bounced or
        complained of (``measure``)."""
        ...


@dataclass
class ConditionContext:
    contact: dict[str, Any]
    event: dict[str, Any] | None
    now: datetime
    history: ConditionHistory | None = None
    lists: Sequence[str] = field(default_factory=tuple)
    # Webhook answers by step (a branch's ``webhook.<step>.…``): what the run kept of each.
    webhooks: Mapping[str, Any] = field(default_factory=dict)


def resolve(path: str, context: ConditionContext) -> Any:
    """The value at ``contact.…``, ``event.…`` or ``webhook.…``; ``_MISSING`` when absent."""
    root, *rest = path.split(".")
    value: Any = {"contact": context.contact, "event": context.event, "webhook": context.webhooks}[root]
    for part in rest:
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return _MISSING if value is None else value


def evaluate(condition: Condition, context: ConditionContext) -> bool:
    """Whether the condition holds."""
    if isinstance(condition, Leaf):
        return _leaf(condition, resolve(condition.field, context), context.now)
    if isinstance(condition, AllOf):
        return all(evaluate(c, context) for c in condition.all)
    if isinstance(condition, AnyOf):
        return any(evaluate(c, context) for c in condition.any)
    if isinstance(condition, NotOf):
        return not evaluate(condition.not_, context)
    if isinstance(condition, InList):
        return condition.in_list in (context.contact.get("lists") or [])
    if isinstance(condition, Engagement):
        if context.history is None:
            return False
        measure, wanted = condition.measure
        return context.history.engaged(condition.email, measure) is wanted
    if isinstance(condition, History):
        return _history(condition, context)
    raise TypeError(f"unknown condition {condition!r}")


def _history(condition: History, context: ConditionContext) -> bool:
    if context.history is None:
        return False
    since = context.now - parse_duration(condition.within) if condition.within else None
    matching = [
        e
        for e in context.history.events(condition.event, since)
        if condition.where is None
        or evaluate(condition.where, ConditionContext(context.contact, e, context.now, context.history))
    ]
    return len(matching) >= condition.min_count


def _number_pair(left: Any, right: Any) -> bool:
    numeric = (int, float)
    return isinstance(left, numeric) and isinstance(right, numeric) and not isinstance(left, bool)


def _ordered(left: Any, right: Any, compare: Callable[[Any, Any], bool]) -> bool:
    if _number_pair(left, right) or (isinstance(left, str) and isinstance(right, str)):
        return compare(left, right)
    return False


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda value, expected: bool(value == expected),
    "ne": lambda value, expected: bool(value != expected),
    "gt": lambda value, expected: _ordered(value, expected, lambda a, b: a > b),
    "gte": lambda value, expected: _ordered(value, expected, lambda a, b: a >= b),
    "lt": lambda value, expected: _ordered(value, expected, lambda a, b: a < b),
    "lte": lambda value, expected: _ordered(value, expected, lambda a, b: a <= b),
    "in": lambda value, expected: value in expected,
    "not_in": lambda value, expected: value not in expected,
    "contains": lambda value, expected: (
        isinstance(value, str | list) and isinstance(expected, str | int | float) and expected in value
    ),
    "starts_with": lambda value, expected: (
        isinstance(value, str) and isinstance(expected, str) and value.startswith(expected)
    ),
}


def _leaf(leaf: Leaf, value: Any, now: datetime) -> bool:
    if leaf.op == "exists":
        return (value is not _MISSING) is leaf.value
    if value is _MISSING:
        return False
    if leaf.op == "within":
        return _within(value, leaf.value, now)
    return _COMPARISONS[leaf.op](value, leaf.value)


def _within(value: Any, duration: str, now: datetime) -> bool:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return now - parse_duration(duration) <= moment <= now
