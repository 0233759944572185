"""Synthetic contacts and the events that enrol them and meet their goals.

A contact must look like one the workflow was written for: the trigger's and the goal's conditions
(``event.value gte 20``, ``contact.lifecycle_stage eq "lead"``) are satisfied by construction, as far
as a plain reading of them allows (every branch of ``all``, the first of ``any``; ``not`` and history
conditions are left to chance). Everything else keeps the defaults a new contact has.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from nurtureflow.contacts.model import Contact
from nurtureflow.workflow.durations import parse_duration
from nurtureflow.workflow.models import Trigger, WaitForStep, WaitStep, Workflow, successors
from nurtureflow.workflow.schedule import WEEKDAYS

# Where synthetic contacts live: a spread of the time zones an international list has.
TIMEZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Asia/Tokyo",
    "Australia/Sydney",
)
_CONTACT_FIELDS = set(Contact.model_fields) - {"id", "email", "created_at", "updated_at"}


def satisfying(condition: dict[str, Any] | None, now: datetime) -> dict[str, dict[str, Any]]:
    """Values for ``contact`` and ``event`` fields that make ``condition`` hold (best effort)."""
    found: dict[str, dict[str, Any]] = {"contact": {}, "event": {}}
    if condition is not None:
        _satisfy(condition, now, found)
    return found


def _satisfy(condition: dict[str, Any], now: datetime, found: dict[str, dict[str, Any]]) -> None:
    if "all" in condition:
        for part in condition["all"]:
            _satisfy(part, now, found)
    elif "any" in condition:
        _satisfy(condition["any"][0], now, found)
    elif "field" in condition:
        value = _value_for(condition.get("op", "eq"), condition.get("value"), now)
        if value is not _UNKNOWN:
            root, _, path = str(condition["field"]).partition(".")
            _put(found[root], path.split("."), value)


_UNKNOWN = object()


def _value_for(op: str, value: Any, now: datetime) -> Any:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if op in ("eq", "gte", "lte", "starts_with"):
        return value
    if op == "gt":
        return value + 1 if numeric else _UNKNOWN
    if op == "lt":
        return value - 1 if numeric else _UNKNOWN
    if op == "ne":
        return value + 1 if numeric else (not value if isinstance(value, bool) else f"not-{value}")
    if op == "in":
        return value[0] if value else _UNKNOWN
    if op == "not_in":
        return "simulated"
    if op == "contains":
        return [value]
    if op == "exists":
        return "simulated" if value else _UNKNOWN
    if op == "within":
        return now.isoformat()
    return _UNKNOWN


def _put(target: dict[str, Any], path: list[str], value: Any) -> None:
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def contact_data(index: int, rng: random.Random, fields: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A synthetic contact: ``sim-000001@example.invalid``, a time zone, the fields a trigger needs."""
    stamp = now.isoformat()
    named = {k: v for k, v in fields.items() if k in _CONTACT_FIELDS and k != "properties"}
    properties = {k: v for k, v in fields.items() if k not in _CONTACT_FIELDS}
    properties.update(fields.get("properties") or {})
    return {
        "id": f"c_sim{index:08d}",
        "email": f"sim-{index:06d}@example.invalid",
        "first_name": f"Contact{index}",
        "timezone": rng.choice(TIMEZONES),
        "created_at": stamp,
        "updated_at": stamp,
        **named,
        "properties": properties,
    }


def event_properties(event_fields: dict[str, Any]) -> dict[str, Any]:
    """Event fields as a tracked event carries them: ``event.value`` reads ``properties.value``."""
    return {k: v for k, v in event_fields.items() if k not in ("type", "occurred_at", "step")}


def trigger_kind(trigger: Trigger) -> str:
    """The event type a run of this trigger is enrolled by."""
    if trigger.event is not None:
        return trigger.event
    if trigger.segment is not None:
        return "segment_entered"
    if trigger.date is not None:
        return "date_reached"
    return "manual_enrolment"


def trigger_condition(trigger: Trigger) -> dict[str, Any] | None:
    condition = trigger.where if trigger.event is not None else trigger.segment
    return None if condition is None else condition.model_dump(mode="json", by_alias=True, exclude_none=True)


def horizon(workflow: Workflow, limit: timedelta) -> timedelta:
    """The longest a run can take from its start step, counting every wait at its longest.

    A path through a loop (the validator makes sure each holds a wait) or longer than ``limit`` is cut
    at ``limit``. Iterative: a workflow may chain a thousand steps.
    """
    longest: dict[str, timedelta] = {}
    on_path: set[str] = set()
    stack: list[tuple[str, list[str]]] = [
        (workflow.start, [t for _, t in successors(workflow.steps[workflow.start])])
    ]
    on_path.add(workflow.start)
    while stack:
        step_id, pending = stack[-1]
        while pending and (pending[-1] in longest or pending[-1] in on_path):
            pending.pop()
        if pending:
            child = pending.pop()
            on_path.add(child)
            stack.append((child, [t for _, t in successors(workflow.steps[child])]))
            continue
        stack.pop()
        on_path.discard(step_id)
        after = [
            longest.get(target, limit) for _, target in successors(workflow.steps[step_id])
        ]  # a target still on the path closes a loop
        longest[step_id] = min(
            limit, _longest_wait(workflow.steps[step_id]) + max(after, default=timedelta(0))
        )
    return longest[workflow.start]


def _longest_wait(step: Any) -> timedelta:
    if isinstance(step, WaitStep):
        if step.for_ is not None:
            return parse_duration(step.for_)
        if step.best_time is not None:
            return parse_duration(step.best_time.within)
        if step.until_time is not None:
            return _longest_gap(step.until_time.days)
        if step.until is not None:  # a fixed moment: it may be at the end of the forecast or after
            return timedelta(days=366)
        return timedelta(0)  # a contact's date: synthetic contacts have none, so the wait ends at once
    if isinstance(step, WaitForStep):
        return parse_duration(step.timeout)
    return timedelta(0)


def _longest_gap(days: Sequence[str] | None) -> timedelta:
    """The longest wait for a time of day on one of ``days``: a day, or the widest gap between them."""
    if not days:
        return timedelta(days=1)
    allowed = sorted(WEEKDAYS.index(day) for day in set(days))
    gaps = [
        (later - earlier) % 7 or 7 for earlier, later in zip(allowed, allowed[1:] + allowed[:1], strict=True)
    ]
    return timedelta(days=max(gaps))
