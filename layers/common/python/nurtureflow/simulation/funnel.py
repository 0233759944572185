"""Counting a simulated workflow's funnel, per step: entered, sent, skipped, opened, clicked, exited."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from nurtureflow.workflow.compiler import FAILED_STATE, TRIGGER_AT
from nurtureflow.workflow.models import Workflow, successors

# An email deferred by quiet hours leaves its step through ``<step>.later`` and comes back to it:
# the same visit, not a second contact entering.
_DEFERRAL_SUFFIX = ".later"


def step_order(workflow: Workflow) -> list[str]:
    """Step ids as the workflow flows: each step before the steps it leads to (loops aside), a
    branch's first path in full before its second, and a step where paths meet after all of them.

    A reverse post-order of a depth-first walk that takes a step's successors last to first (so the
    first path finishes last, and comes first once reversed). Iterative: a workflow may chain a
    thousand steps.
    """
    finished: list[str] = []
    seen = {workflow.start}
    stack = [(workflow.start, [t for _, t in successors(workflow.steps[workflow.start])])]
    while stack:
        step_id, pending = stack[-1]
        while pending and pending[-1] in seen:
            pending.pop()
        if not pending:
            finished.append(step_id)
            stack.pop()
            continue
        target = pending.pop()
        seen.add(target)
        stack.append((target, [t for _, t in successors(workflow.steps[target])]))
    return finished[::-1] + sorted(set(workflow.steps) - seen)


@dataclass
class Funnel:
    workflow: Workflow
    entered: Counter[str] = field(default_factory=Counter)
    exited: Counter[str] = field(default_factory=Counter)
    _last_state: dict[str, str] = field(default_factory=dict)

    def step_of(self, state_name: str) -> str | None:
        """The workflow step a compiled state belongs to (``offer.route`` belongs to ``offer``)."""
        if state_name in (FAILED_STATE, TRIGGER_AT):
            return None
        step_id = state_name.split(".", 1)[0]
        return step_id if step_id in self.workflow.steps else None

    def state_entered(self, execution_arn: str, state_name: str) -> None:
        previous = self._last_state.get(execution_arn)
        self._last_state[execution_arn] = state_name
        if state_name in self.workflow.steps and previous != f"{state_name}{_DEFERRAL_SUFFIX}":
            self.entered[state_name] += 1

    def goal_reached(self, state_name: str) -> None:
        step_id = self.step_of(state_name)
        if step_id is not None:
            self.exited[step_id] += 1

    def report(self, sends: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Per step, in reading order; emails' figures come from their send records."""
        sent: Counter[str] = Counter()
        opened: Counter[str] = Counter()
        clicked: Counter[str] = Counter()
        skipped: dict[str, Counter[str]] = {}
        for send in sends:
            step = str(send["step"])
            if send["status"] == "sent":
                sent[step] += 1
                opened[step] += "opened_at" in send or "clicked_at" in send
                clicked[step] += "clicked_at" in send
            else:
                reason = send.get("reason") if send["status"] == "skipped" else send["status"]
                skipped.setdefault(step, Counter())[str(reason or send["status"])] += 1
        steps: dict[str, dict[str, Any]] = {}
        for step_id in step_order(self.workflow):
            reasons = skipped.get(step_id, Counter())
            steps[step_id] = {
                "type": self.workflow.steps[step_id].type,
                "entered": self.entered[step_id],
                "sent": sent[step_id],
                "skipped": sum(reasons.values()),
                "skipped_by_reason": dict(sorted(reasons.items())),
                "opened": opened[step_id],
                "clicked": clicked[step_id],
                "exited": self.exited[step_id],
            }
        return steps
