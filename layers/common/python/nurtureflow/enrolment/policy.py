"""Who may enter a workflow: the trigger's filter and the reentry policy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nurtureflow.conditions.evaluate import ConditionContext, ConditionHistory, evaluate
from nurtureflow.conditions.model import parse_condition
from nurtureflow.workflow.durations import parse_duration


def matches(
    condition: dict[str, Any] | None,
    contact: dict[str, Any],
    event: dict[str, Any] | None,
    now: datetime,
    history: ConditionHistory | None = None,
) -> bool:
    """Whether a stored (JSON) condition holds; no condition always holds."""
    if condition is None:
        return True
    return evaluate(parse_condition(condition), ConditionContext(contact, event, now, history))


def may_reenter(reentry: dict[str, Any], previous: dict[str, Any] | None, now: datetime) -> bool:
    """The reentry policy: ``never`` (default), ``after_exit`` (with cooldown), ``always``.

    A contact has at most one run at a time in a workflow, whatever the policy.
    """
    if previous is None:
        return True
    if previous.get("status") == "running":
        return False
    policy = reentry.get("policy", "never")
    if policy == "never":
        return False
    cooldown = reentry.get("cooldown")
    if policy == "after_exit" and cooldown and previous.get("ended_at"):
        return datetime.fromisoformat(previous["ended_at"]) + parse_duration(cooldown, allow_zero=True) <= now
    return True
