"""The pure scorer: which rules an event meets and the points they give within their caps, how a score
decays with its half-life, and which lifecycle stage a score reaches. No I/O: the service feeds it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from nurtureflow.conditions.evaluate import ConditionContext, evaluate
from nurtureflow.scoring.rules import FIRST_STAGE, ScoringRules, Stage
from nurtureflow.workflow.durations import parse_duration


@dataclass(frozen=True)
class Award:
    """Points a rule (or an ``update`` step) gives."""

    source: str  # the rule's id, or the step's
    points: int


@dataclass(frozen=True)
class PastAward:
    """An earlier award of a rule, as the contact's ``score_changed`` history records it."""

    rule: str
    points: int
    at: datetime


def awards(
    rules: ScoringRules,
    event_type: str,
    contact: dict[str, Any],
    event: dict[str, Any],
    past: Sequence[PastAward],
    now: datetime,
) -> list[Award]:
    """The points each matching rule gives for this event, cut down to what its cap has left.

    A cap limits the absolute points of its rule within any window of ``per`` ending now; a rule whose
    cap is used up gives nothing (and no award is listed).
    """
    context = ConditionContext(contact, event, now)
    given: list[Award] = []
    for rule in rules.rules:
        if rule.event != event_type or (rule.where is not None and not evaluate(rule.where, context)):
            continue
        points = rule.points
        if rule.cap is not None:
            since = now - parse_duration(rule.cap.per)
            used = sum(abs(p.points) for p in past if p.rule == rule.id and since < p.at <= now)
            room = max(0, rule.cap.points - used)
            points = min(abs(points), room) * (1 if points > 0 else -1)
        if points:
            given.append(Award(rule.id, points))
    return given


def decayed(score: int, since: datetime | None, now: datetime, half_life: timedelta | None) -> int:
    """The score after exponential decay towards 0 since its last change, rounded to an integer."""
    if half_life is None or since is None or now <= since or score == 0:
        return score
    factor: float = 0.5 ** ((now - since) / half_life)
    return round(score * factor)


def reached_stage(stages: Sequence[Stage], current: str, score: int) -> str | None:
    """The stage a score moves the contact up to, or None when it stays where it is.

    Stages only advance. A stage set by hand that the rules do not list is left alone: its rank is
    unknown, so no threshold can tell whether moving would be a demotion.
    """
    ranks = {stage.stage: i for i, stage in enumerate(stages)}
    if current != FIRST_STAGE and current not in ranks:
        return None
    top = max((i for i, stage in enumerate(stages) if score >= stage.at), default=-1)
    return stages[top].stage if top > ranks.get(current, -1) else None
