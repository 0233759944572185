"""Stub answers for compiled NurtureFlow workflows, read off the ASL: what each step's Lambda returns.

Every task state's Payload names its ``action`` (see ``nurtureflow.workflow.compiler``); a stub answers
like the real function does on its happy path: emails are sent, timed waits end in the past, branches
and splits take their default route unless ``routes`` says otherwise, awaited events happen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .script import Callback, Script, Succeed
from .shorten import PAST

SENT = {"status": "sent", "until": None, "send_id": "send-1"}
DEFERRED = {"status": "deferred", "until": PAST}  # quiet hours: the send function says "come back later"
EVENT = {"event": {"name": "email_clicked", "at": PAST}}


def run_input(workflow: str = "workflow", start_at: str = PAST) -> dict[str, Any]:
    """A run's input as enrolment starts it (``runs.actions.RunDocument``); date triggers start at once."""
    run = {"workflow": workflow, "version": 1, "contact_id": "c-1", "event": {}, "enrolment": "e-1"}
    return {"run": {**run, "start_at": start_at}}


def stub_script(
    definition: dict[str, Any],
    *,
    routes: Mapping[str, str] | None = None,
    results: Mapping[str, Sequence[Any]] | None = None,
    callbacks: Mapping[str, Sequence[Callback]] | None = None,
    workflow: str = "workflow",
) -> Script:
    """A happy-path script for every task state; ``routes`` picks branch/split targets by step,
    ``results`` and ``callbacks`` override a state's answers."""
    routes = routes or {}
    states = definition["States"]
    stubbed: dict[str, Sequence[Any]] = {}
    awaited: dict[str, Sequence[Callback]] = {}
    for name, state in states.items():
        if state["Type"] != "Task":
            continue
        action = state["Parameters"]["Payload"]["action"]
        if action == "email":
            stubbed[name] = [SENT]
        elif action == "wait_until":
            stubbed[name] = [{"until": PAST}]
        elif action in ("branch", "split"):
            stubbed[name] = [{"next": routes.get(name, states[f"{name}.route"]["Default"])}]
        else:
            stubbed[name] = [{}]
        if action == "wait_for":
            awaited[name] = [Succeed(EVENT)]
    return Script(
        input=run_input(workflow),
        results={**stubbed, **(results or {})},
        callbacks={**awaited, **(callbacks or {})},
    )
