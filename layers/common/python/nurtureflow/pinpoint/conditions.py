"""Pinpoint's split conditions as workflow conditions.

An email event of one of the journey's email activities (``_email.open``, ``_email.click``,
``_email.delivered``, ``_email.hardbounce`` and ``_email.softbounce``, ``_email.complaint``) becomes
an email condition on that step; a custom event becomes a history condition (the contact did
it, within the split's evaluation wait); user and endpoint attributes become field conditions.
What has no counterpart (Pinpoint segments, sends, rejections, demographics, locations) is
left out and said so: the returned notes go into the import report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Pinpoint's user attributes with a field of their own on a NurtureFlow contact.
_USER_FIELDS = {"FirstName": "contact.first_name", "LastName": "contact.last_name"}
_ENGAGEMENT = {
    "_email.open": "opened",
    "_email.click": "clicked",
    "_email.delivered": "delivered",
    "_email.hardbounce": "bounced",
    "_email.softbounce": "bounced",
    "_email.complaint": "complained",
}
_METRIC_OPS = {
    "GREATER_THAN": "gt",
    "GREATER_THAN_OR_EQUAL": "gte",
    "LESS_THAN": "lt",
    "LESS_THAN_OR_EQUAL": "lte",
    "EQUAL": "eq",
}


@dataclass(frozen=True)
class ConditionContext:
    step_of: dict[str, str]  # activity id -> step id
    activities: dict[str, Any]
    window: str | None  # the split's evaluation wait (a duration), if any


def convert_condition(
    condition: dict[str, Any], context: ConditionContext, combined: bool
) -> tuple[dict[str, Any] | None, list[str]]:
    """``condition`` is a ``Condition`` (``combined``: a list under ``Operator``) or one
    ``SimpleCondition``; the workflow condition (None when nothing converts) and the notes."""
    if not combined:
        return _simple(condition, context)
    notes: list[str] = []
    parts = []
    for simple in condition.get("Conditions") or []:
        converted, more = _simple(simple, context)
        notes += more
        if converted is not None:
            parts.append(converted)
    if not parts:
        return None, notes
    if len(parts) == 1:
        return parts[0], notes
    return {"any" if condition.get("Operator") == "ANY" else "all": parts}, notes


def _simple(simple: dict[str, Any], context: ConditionContext) -> tuple[dict[str, Any] | None, list[str]]:
    if "SegmentCondition" in simple:
        return None, ["a condition on a Pinpoint segment is left out: segments do not come over"]
    if "EventCondition" in simple:
        return _event(simple["EventCondition"], context)
    if "SegmentDimensions" in simple:
        return _dimensions(simple["SegmentDimensions"])
    return None, ["an empty condition is left out"]


def _event(condition: dict[str, Any], context: ConditionContext) -> tuple[dict[str, Any] | None, list[str]]:
    dims = condition.get("Dimensions") or {}
    event_type = dims.get("EventType") or {}
    values = event_type.get("Values") or []
    negate = event_type.get("DimensionType") == "EXCLUSIVE"
    activity = condition.get("MessageActivity")
    if activity:
        step = context.step_of.get(activity)
        kinds = list(dict.fromkeys(_ENGAGEMENT[v] for v in values if v in _ENGAGEMENT))
        others = [v for v in values if v not in _ENGAGEMENT]
        notes = [f"{', '.join(others)} of an email is left out: it cannot be tested yet"] if others else []
        if step is None or not kinds:
            return None, notes
        parts = [{"email": step, kind: True} for kind in kinds]
        converted = parts[0] if len(parts) == 1 else {"any": parts}
        return ({"not": converted} if negate else converted), notes
    if not values:
        return None, ["an event condition without an event type is left out"]
    where, notes = _event_where(dims)
    parts = []
    for value in values:
        part: dict[str, Any] = {"event": value}
        if where is not None:
            part["where"] = where
        if context.window:
            part["within"] = context.window
        parts.append(part)
    converted = parts[0] if len(parts) == 1 else {"any": parts}
    if context.window:
        since = "Pinpoint counted events since the contact reached the split"
        notes.append(f"the contact did the event within the last {context.window} ({since})")
    return ({"not": converted} if negate else converted), notes


def _event_where(dims: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    leaves: list[dict[str, Any]] = []
    notes: list[str] = []
    for key, dimension in (dims.get("Attributes") or {}).items():
        leaf, note = _attribute(f"event.{key}", dimension)
        leaves += [leaf] if leaf else []
        notes += [note] if note else []
    for key, metric in (dims.get("Metrics") or {}).items():
        op = _METRIC_OPS.get(str(metric.get("ComparisonOperator")))
        if op is None:
            notes.append(f"the metric {key}'s comparison {metric.get('ComparisonOperator')} is left out")
            continue
        leaves.append({"field": f"event.{key}", "op": op, "value": metric["Value"]})
    if not leaves:
        return None, notes
    return (leaves[0] if len(leaves) == 1 else {"all": leaves}), notes


def _dimensions(dims: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    leaves: list[dict[str, Any]] = []
    notes: list[str] = []
    for source, prefix in (("UserAttributes", "user"), ("Attributes", "endpoint")):
        for key, dimension in (dims.get(source) or {}).items():
            field = (
                _USER_FIELDS.get(key, f"contact.properties.{key}")
                if prefix == "user"
                else f"contact.properties.{key}"
            )
            leaf, note = _attribute(field, dimension)
            leaves += [leaf] if leaf else []
            notes += [note] if note else []
    for key in ("Behavior", "Demographic", "Location", "Metrics"):
        if dims.get(key):
            notes.append(f"the {key} dimension is left out: NurtureFlow contacts hold no such data")
    if not leaves:
        return None, notes
    return (leaves[0] if len(leaves) == 1 else {"all": leaves}), notes


def _attribute(field: str, dimension: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    values = dimension.get("Values") or []
    kind = dimension.get("AttributeType", "INCLUSIVE")
    if kind == "INCLUSIVE":
        return {"field": field, "op": "in", "value": values}, None
    if kind == "EXCLUSIVE":
        return {"field": field, "op": "not_in", "value": values}, None
    if kind == "CONTAINS":
        leaves = [{"field": field, "op": "contains", "value": v} for v in values]
        return (leaves[0] if len(leaves) == 1 else {"any": leaves}), None
    return None, f"the {kind} test of {field} is left out (date tests are not converted yet)"
