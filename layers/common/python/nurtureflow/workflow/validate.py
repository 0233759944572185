"""Pass one of the compiler: parse the document and collect every error with its JSON Pointer."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, get_args

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from nurtureflow.conditions.model import (
    FIELD_PATTERN,
    AllOf,
    AnyOf,
    Condition,
    Engagement,
    History,
    NotOf,
    leaf_fields,
)
from nurtureflow.sending.templates import template_syntax_error
from nurtureflow.workflow.errors import ValidationIssue, WorkflowInvalidError
from nurtureflow.workflow.graph import StepGraph
from nurtureflow.workflow.models import (
    CLOCK_TIME,
    WEBHOOK_URL,
    BranchStep,
    EmailStep,
    HoldoutStep,
    Step,
    TaskStep,
    WaitForStep,
    WebhookStep,
    Workflow,
)

# Every step type's tag, from the models: a new step type cannot be forgotten here.
STEP_TAGS = frozenset(get_args(m.model_fields["type"].annotation)[0] for m in get_args(get_args(Step)[0]))
# Python names that pydantic models carry for keys that are reserved words.
_ALIASES = {"for_": "for", "from_": "from", "not_": "not", "schema_": "schema"}
_PATTERN_MESSAGES = {
    FIELD_PATTERN: "a field is a path starting with 'contact.' or 'event.', such as contact.score "
    "(or, in a branch, a webhook's answer: webhook.<step>.status, .ok or .body.<path>)",
    CLOCK_TIME: "a time of day is written HH:MM, such as 08:30",
    WEBHOOK_URL: "a webhook's url is an https:// URL with no user, password or #fragment",
}


def validate_workflow(
    document: Any,
    template_exists: Callable[[str], bool],
    subject_problems: Callable[[str], list[str]] | None = None,
) -> Workflow:
    """The parsed workflow, or ``WorkflowInvalidError`` listing every problem at once.

    ``subject_problems`` checks an email step's subject override as a template upload would
    (``sending.checks.check_subject``); without it, subjects are not checked.
    """
    issues: list[ValidationIssue] = []
    workflow: Workflow | None = None
    try:
        workflow = Workflow.model_validate(document)
    except ValidationError as error:
        issues += _issues_from_pydantic(error.errors())
    # The graph checks read the raw document, so they report even when parsing failed elsewhere.
    if isinstance(document, dict):
        issues += _graph_issues(StepGraph.from_document(document), template_exists)
    if workflow is not None:
        issues += _holdout_issues(workflow)
        outside = [("/trigger/where", workflow.trigger.where)]
        outside += [(f"/exit_when/{i}/where", goal.where) for i, goal in enumerate(workflow.exit_when)]
        issues += [
            ValidationIssue(f"{pointer}/field", "a webhook's answer is read by a branch only")
            for base, condition in outside
            if condition is not None
            for pointer, field in leaf_fields(condition, base)
            if field.startswith("webhook.")
        ]
        for step_id, step in workflow.steps.items():
            issues += _engagement_issues(step, f"/steps/{step_id}", workflow.steps)
            issues += _task_template_issues(step, f"/steps/{step_id}")
            if subject_problems is not None and isinstance(step, EmailStep) and step.subject:
                issues += [
                    ValidationIssue(
                        f"/steps/{step_id}/subject", f"the subject is not a valid template: {problem}"
                    )
                    for problem in subject_problems(step.subject)
                ]
    if issues or workflow is None:
        raise WorkflowInvalidError(sorted(set(issues), key=lambda i: (i.pointer, i.message)))
    return workflow


def _holdout_issues(workflow: Workflow) -> list[ValidationIssue]:
    """One holdout a workflow: its control group is the one its stats and cost report compare with."""
    holdouts = [step_id for step_id, step in workflow.steps.items() if isinstance(step, HoldoutStep)]
    return [
        ValidationIssue(
            f"/steps/{step_id}", f"a workflow has at most one holdout step; '{holdouts[0]}' is its holdout"
        )
        for step_id in holdouts[1:]
    ]


def _pointer(loc: Sequence[int | str]) -> str:
    parts: list[str] = []
    for i, part in enumerate(loc):
        text = str(part)
        # Tagged unions put their tag into the location; a document has no such key.
        if text.startswith("cond:") or (i == 2 and loc[0] == "steps" and text in STEP_TAGS):
            continue
        parts.append(_ALIASES.get(text, text).replace("~", "~0").replace("/", "~1"))
    return "/" + "/".join(parts)


def _issues_from_pydantic(errors: list[ErrorDetails]) -> Iterator[ValidationIssue]:
    for error in errors:
        loc = list(error["loc"])
        kind = error["type"]
        key = _ALIASES.get(str(loc[-1]), str(loc[-1])) if loc else ""
        if kind == "extra_forbidden":
            yield ValidationIssue(_pointer(loc), f"'{key}' is not a known key here")
        elif kind == "missing":
            yield ValidationIssue(_pointer(loc), f"'{key}' is required")
        elif kind == "union_tag_invalid":
            found = error["input"].get("type") if isinstance(error["input"], dict) else None
            yield ValidationIssue(
                _pointer(loc), f"unknown step type {found!r}; use one of {sorted(STEP_TAGS)}"
            )
        elif kind == "union_tag_not_found":
            yield ValidationIssue(_pointer(loc), "a step needs a 'type'")
        elif kind == "string_pattern_mismatch" and loc and loc[-1] == "[key]":
            yield ValidationIssue(_pointer(loc[:-1]), "a step id uses lowercase letters, digits, '-' and '_'")
        elif kind == "string_pattern_mismatch" and loc == ["id"]:
            yield ValidationIssue("/id", "an id uses lowercase letters, digits and '-', up to 64 characters")
        elif kind == "string_pattern_mismatch":
            pattern = str((error.get("ctx") or {}).get("pattern", ""))
            yield ValidationIssue(
                _pointer(loc), _PATTERN_MESSAGES.get(pattern, f"'{key}' is not well formed")
            )
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            yield ValidationIssue(_pointer(loc), message[:1].lower() + message[1:])


def _graph_issues(graph: StepGraph, template_exists: Callable[[str], bool]) -> Iterator[ValidationIssue]:
    if graph.start is not None and graph.start not in graph.edges:
        yield ValidationIssue("/start", f"'start' names step '{graph.start}', which does not exist")
    for step_id, targets in graph.edges.items():
        for suffix, target in targets:
            if target not in graph.edges:
                yield ValidationIssue(f"/steps/{step_id}/{suffix}", f"no step is called '{target}'")
    for step_id, template in graph.templates.items():
        if not template_exists(template):
            yield ValidationIssue(
                f"/steps/{step_id}/template",
                f"no email template is called '{template}' (layouts and partials are never sent alone)",
            )
    for step_id, total in graph.split_totals.items():
        if total != 100:
            yield ValidationIssue(
                f"/steps/{step_id}/paths", f"the percents of a split add up to {total}, not 100"
            )
    if graph.start in graph.edges:
        for step_id in graph.unreachable():
            yield ValidationIssue(f"/steps/{step_id}", f"no path from 'start' reaches step '{step_id}'")
        loop = graph.loop_without_pause()
        if loop is not None:
            yield ValidationIssue(
                f"/steps/{loop}", f"the loop through '{loop}' has no 'wait' or 'wait_for' in it"
            )


def _task_template_issues(step: Any, base: str) -> Iterator[ValidationIssue]:
    if isinstance(step, TaskStep):
        for key in ("title", "notes"):
            source = getattr(step, key)
            problem = template_syntax_error(source) if source else None
            if problem:
                yield ValidationIssue(f"{base}/{key}", f"the {key} is not a valid template: {problem}")


def _engagement_issues(step: Any, base: str, steps: dict[str, Any]) -> Iterator[ValidationIssue]:
    for pointer, condition in _conditions_of(step, base):
        yield from _check_engagement(condition, pointer, steps)
        # A webhook's answer is kept on the run for branches; elsewhere there is none to read.
        for leaf_pointer, field in leaf_fields(condition, pointer):
            if not field.startswith("webhook."):
                continue
            step_id = field.split(".")[1]
            if not isinstance(step, BranchStep):
                yield ValidationIssue(f"{leaf_pointer}/field", "a webhook's answer is read by a branch only")
            elif not isinstance(steps.get(step_id), WebhookStep):
                yield ValidationIssue(
                    f"{leaf_pointer}/field", f"'{step_id}' is not a webhook step of this workflow"
                )


def _conditions_of(step: Any, base: str) -> Iterator[tuple[str, Condition]]:
    if isinstance(step, BranchStep):
        for i, case in enumerate(step.cases):
            yield f"{base}/cases/{i}/when", case.when
    elif isinstance(step, WaitForStep) and step.where is not None:
        yield f"{base}/where", step.where
    elif isinstance(step, WaitForStep) and step.any is not None:
        for i, awaited in enumerate(step.any):
            if awaited.where is not None:
                yield f"{base}/any/{i}/where", awaited.where


def _check_engagement(condition: Condition, pointer: str, steps: dict[str, Any]) -> Iterator[ValidationIssue]:
    if isinstance(condition, Engagement) and not isinstance(steps.get(condition.email), EmailStep):
        yield ValidationIssue(
            f"{pointer}/email", f"'{condition.email}' is not an email step of this workflow"
        )
    elif isinstance(condition, AllOf | AnyOf):
        children = condition.all if isinstance(condition, AllOf) else condition.any
        key = "all" if isinstance(condition, AllOf) else "any"
        for i, child in enumerate(children):
            yield from _check_engagement(child, f"{pointer}/{key}/{i}", steps)
    elif isinstance(condition, NotOf):
        yield from _check_engagement(condition.not_, f"{pointer}/not", steps)
    elif isinstance(condition, History) and condition.where is not None:
        yield from _check_engagement(condition.where, f"{pointer}/where", steps)
