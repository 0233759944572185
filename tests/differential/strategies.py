"""Hypothesis strategies: small valid workflow documents, and the scripts that drive their runs.

A workflow is a spine s0 -> s1 -> ... (so every step is reachable) whose branches, splits and
timeouts may also jump forward to any later step; forward-only jumps keep every run finite.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from nurtureflow.workflow.compiler import TaskFunctions, compile_workflow
from nurtureflow.workflow.validate import validate_workflow
from tests.support.differential import DEFERRED, SENT, Callback, Script, Succeed, TimeOut, stub_script

FUNCTIONS = TaskFunctions(
    step_arn="arn:aws:lambda:us-east-1:123456789012:function:nurtureflow-step",
    send_arn="arn:aws:lambda:us-east-1:123456789012:function:nurtureflow-send",
)
KINDS = ("wait", "email", "branch", "split", "update", "wait_for")
SCORE = {"field": "contact.score", "op": "gte", "value": 50}


@st.composite
def workflows(draw: st.DrawFn) -> dict[str, Any]:
    """A workflow document of 1 to 8 steps; the last one may be an exit."""
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=7))
    if draw(st.booleans()):
        kinds.append("exit")
    ids = [f"s{i}" for i in range(len(kinds))]
    steps = {}
    for i, kind in enumerate(kinds):
        spine = ids[i + 1] if i + 1 < len(ids) else None
        later = st.sampled_from(ids[i + 1 :]) if spine else st.none()
        steps[ids[i]] = draw(_step(kind, spine, later))
    document: dict[str, Any] = {
        "schema": "workflow/v1",
        "id": "generated",
        "name": "Generated",
        "trigger": draw(
            st.sampled_from(
                [{"manual": True}, {"date": {"field": "contact.properties.day", "every": "year"}}]
            )
        ),
        "start": "s0",
        "steps": steps,
    }
    if draw(st.booleans()):
        document["settings"] = {"quiet_hours": {"from": "21:00", "to": "08:00"}}
    return document


def _step(kind: str, spine: str | None, later: st.SearchStrategy[str | None]) -> st.SearchStrategy[Any]:
    then = {"next": spine} if spine else {}
    if kind == "wait":
        spec = st.sampled_from([{"for": "PT1H"}, {"best_time": {"within": "P1D"}}])
        return spec.map(lambda wait: {"type": "wait", **wait, **then})
    if kind == "email":
        return st.just({"type": "email", "template": "t", **then})
    if kind == "update":
        return st.just({"type": "update", "score": 1, **then})
    if kind == "exit" or (spine is None and kind in ("branch", "split")):
        return st.just({"type": "exit"})
    if kind == "branch":
        return later.map(
            lambda target: {"type": "branch", "cases": [{"when": SCORE, "next": target}], "default": spine}
        )
    if kind == "split":
        return st.tuples(later, st.integers(0, 100)).map(
            lambda drawn: {
                "type": "split",
                "paths": [
                    {"percent": drawn[1], "next": drawn[0]},
                    {"percent": 100 - drawn[1], "next": spine},
                ],
            }
        )
    timeout = st.one_of(st.none(), later)
    return timeout.map(
        lambda on_timeout: {
            "type": "wait_for",
            "event": "email_clicked",
            "timeout": "P1D",
            **then,
            **({"on_timeout": on_timeout} if on_timeout else {}),
        }
    )


def compiled(document: dict[str, Any]) -> dict[str, Any]:
    return compile_workflow(validate_workflow(document, lambda _: True), 1, FUNCTIONS)


@st.composite
def scripts(draw: st.DrawFn, definition: dict[str, Any]) -> Script:
    """Answers for every task: a route for each branch and split, the event or a timeout for each
    wait_for, and, under quiet hours, maybe a deferral before each send."""
    states = definition["States"]
    routes, results, callbacks = {}, {}, {}
    for name, state in states.items():
        if state["Type"] != "Task" or name == "run.failed":
            continue
        action = state["Parameters"]["Payload"]["action"]
        if action in ("branch", "split"):
            route = states[f"{name}.route"]
            targets = [choice["Next"] for choice in route["Choices"]] + [route["Default"]]
            routes[name] = draw(st.sampled_from(targets))
        elif action == "wait_for":
            answer: Callback = draw(
                st.sampled_from([Succeed({"event": {"name": "email_clicked"}}), TimeOut()])
            )
            callbacks[name] = [answer]
        elif action == "email" and f"{name}.quiet" in states and draw(st.booleans()):
            results[name] = [DEFERRED, SENT]
    return stub_script(definition, routes=routes, results=results, callbacks=callbacks)
