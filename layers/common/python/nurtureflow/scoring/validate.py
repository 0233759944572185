"""Validate a scoring rules document like a workflow: every error at once, each with its JSON Pointer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from nurtureflow.conditions.model import AllOf, AnyOf, Condition, Engagement, History, NotOf
from nurtureflow.events.model import EVENT_TYPE
from nurtureflow.scoring.errors import ScoringInvalidError
from nurtureflow.scoring.rules import FIRST_STAGE, RULE_ID, STAGE_NAME, ScoringRules
from nurtureflow.workflow.errors import ValidationIssue
from nurtureflow.workflow.validate import _issues_from_pydantic

# Recorded by scoring itself and never dispatched: a rule on it would never fire.
UNSCORABLE = frozenset({"score_changed"})
_PATTERN_MESSAGES = {
    EVENT_TYPE: "an event type is lowercase letters, digits and '_', starting with a letter",
    RULE_ID: "a rule id is lowercase letters, digits, '-' and '_', up to 64 characters",
    STAGE_NAME: "a stage is lowercase letters, digits and '_', starting with a letter",
}


def validate_rules(document: Any) -> ScoringRules:
    """The parsed rules, or ``ScoringInvalidError`` listing every problem."""
    try:
        rules = ScoringRules.model_validate(document)
    except ValidationError as error:
        issues = [issue for detail in error.errors() for issue in _structural_issue(detail)]
        raise ScoringInvalidError(sorted(set(issues), key=lambda i: (i.pointer, i.message))) from None
    found = sorted(set(_semantic_issues(rules)), key=lambda i: (i.pointer, i.message))
    if found:
        raise ScoringInvalidError(found)
    return rules


def _structural_issue(detail: ErrorDetails) -> list[ValidationIssue]:
    pattern = str((detail.get("ctx") or {}).get("pattern", ""))
    if detail["type"] == "string_pattern_mismatch" and pattern in _PATTERN_MESSAGES:
        pointer = "/" + "/".join(str(part) for part in detail["loc"])
        return [ValidationIssue(pointer, _PATTERN_MESSAGES[pattern])]
    return list(_issues_from_pydantic([detail]))


def _semantic_issues(rules: ScoringRules) -> Iterator[ValidationIssue]:
    seen: set[str] = set()
    for i, rule in enumerate(rules.rules):
        if rule.id in seen:
            yield ValidationIssue(f"/rules/{i}/id", f"another rule is already called '{rule.id}'")
        seen.add(rule.id)
        if rule.event in UNSCORABLE:
            yield ValidationIssue(f"/rules/{i}/event", f"'{rule.event}' is recorded by scoring itself")
        if rule.points == 0:
            yield ValidationIssue(f"/rules/{i}/points", "a rule gives points: use a number other than 0")
        if rule.where is not None:
            yield from _live_data_only(rule.where, f"/rules/{i}/where")
    yield from _stage_issues(rules)


def _stage_issues(rules: ScoringRules) -> Iterator[ValidationIssue]:
    names: set[str] = set()
    for i, stage in enumerate(rules.stages):
        if stage.stage == FIRST_STAGE:
            yield ValidationIssue(
                f"/stages/{i}/stage", f"'{FIRST_STAGE}' is where every contact starts, not a threshold"
            )
        if stage.stage in names:
            yield ValidationIssue(f"/stages/{i}/stage", f"stage '{stage.stage}' is listed twice")
        names.add(stage.stage)
        if i > 0 and stage.at <= rules.stages[i - 1].at:
            yield ValidationIssue(
                f"/stages/{i}/at", "stages are listed in order: each threshold is above the one before"
            )


def _live_data_only(condition: Condition, pointer: str) -> Iterator[ValidationIssue]:
    """A rule sees the contact and the event; there is no run (email) nor history read per event."""
    if isinstance(condition, Engagement):
        yield ValidationIssue(f"{pointer}/email", "a scoring rule has no run: use the email events instead")
    elif isinstance(condition, History):
        yield ValidationIssue(f"{pointer}/event", "a scoring rule looks at the contact and the event only")
    elif isinstance(condition, AllOf | AnyOf):
        key = "all" if isinstance(condition, AllOf) else "any"
        children = condition.all if isinstance(condition, AllOf) else condition.any
        for i, child in enumerate(children):
            yield from _live_data_only(child, f"{pointer}/{key}/{i}")
    elif isinstance(condition, NotOf):
        yield from _live_data_only(condition.not_, f"{pointer}/not")
