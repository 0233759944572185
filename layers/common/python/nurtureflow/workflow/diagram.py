"""A workflow drawn as a graph: Mermaid text for editors, and a self-contained SVG.

The SVG is laid out here (layers by distance from the start, boxes in rows, straight arrows):
no renderer library runs inside Lambda without Node or Graphviz binaries, and a workflow is
small enough for a layered layout to read well.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlsplit

from nurtureflow.workflow.models import (
    BranchStep,
    EmailStep,
    ExitStep,
    HoldoutStep,
    SplitStep,
    TaskStep,
    UpdateStep,
    WaitForStep,
    WaitStep,
    WebhookStep,
    Workflow,
    successors,
)

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 180, 46, 40, 70, 20
COLOURS = {
    "email": "#dbeafe",
    "wait": "#fef3c7",
    "wait_for": "#fde68a",
    "branch": "#ede9fe",
    "split": "#ede9fe",
    "holdout": "#ede9fe",
    "update": "#dcfce7",
    "task": "#fce7f3",
    "exit": "#e5e7eb",
}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str


def describe(step: Any) -> str:
    """A one-line description of a step, as a marketer would say it."""
    if isinstance(step, EmailStep):
        return f"email {step.template}"
    if isinstance(step, WaitStep):
        return _describe_wait(step)
    if isinstance(step, WaitForStep):
        awaited = step.event if step.any is None else " or ".join(a.event for a in step.any)
        return f"wait for {awaited} ({step.timeout})"
    if isinstance(step, BranchStep):
        return "branch"
    if isinstance(step, SplitStep):
        return "A/B split"
    if isinstance(step, HoldoutStep):
        return f"hold out {step.percent}%"
    if isinstance(step, WebhookStep):
        return f"webhook {urlsplit(step.url).hostname}"
    if isinstance(step, UpdateStep):
        return "update contact"
    if isinstance(step, TaskStep):
        return f"task: {step.title}"[:40]
    if isinstance(step, ExitStep):
        return "exit"
    return str(getattr(step, "type", "step"))


def _describe_wait(step: WaitStep) -> str:
    if step.for_:
        return f"wait {step.for_}"
    if step.until:
        return f"wait until {step.until}"
    if step.until_time:
        return f"wait until {step.until_time.time}"
    if step.until_date:
        return f"wait until {step.until_date.field.removeprefix('contact.')}"
    return "wait for the best time"


def edges_of(workflow: Workflow) -> list[Edge]:
    edges = []
    for step_id, step in workflow.steps.items():
        for suffix, target in successors(step):
            edges.append(Edge(step_id, target, _edge_label(step, suffix)))
    return edges


def _edge_label(step: Any, suffix: str) -> str:
    """What takes a run along an edge, from the edge's place in the step (``cases/0/next``…)."""
    parts = suffix.split("/")
    if parts[0] == "cases":
        return f"case {int(parts[1]) + 1}"
    if parts[0] == "paths":
        return f"{step.paths[int(parts[1])].percent}%"
    if parts[0] == "any":
        return str(step.any[int(parts[1])].event)
    if isinstance(step, HoldoutStep):
        return f"{100 - step.percent}% treated"
    return {"default": "otherwise", "on_timeout": "timeout", "on_failure": "failed"}.get(
        suffix, "done" if isinstance(step, WaitForStep) else ""
    )


def to_mermaid(workflow: Workflow) -> str:
    """Mermaid ``flowchart`` text: paste it into any Mermaid viewer."""
    lines = ["flowchart TD", f'  start(("{_mermaid_text(workflow.name)}")) --> {_node(workflow.start)}']
    for step_id, step in workflow.steps.items():
        text = _mermaid_text(f"{step_id}: {describe(step)}")
        shape = {
            "branch": '{{"{0}"}}',
            "split": '{{"{0}"}}',
            "holdout": '{{"{0}"}}',
            "exit": '(["{0}"])',
            "wait": '[/"{0}"/]',
            "wait_for": '[/"{0}"/]',
        }.get(step.type, '["{0}"]')
        lines.append(f"  {_node(step_id)}{shape.format(text)}")
    for edge in edges_of(workflow):
        label = f"|{_mermaid_text(edge.label)}|" if edge.label else ""
        lines.append(f"  {_node(edge.source)} -->{label} {_node(edge.target)}")
    return "\n".join(lines) + "\n"


def _node(step_id: str) -> str:
    return "s_" + step_id.replace("-", "_")


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def _layers(workflow: Workflow) -> dict[str, int]:
    """Each step's row: its longest distance from the start, loops left out, so exits sink."""
    targets: dict[str, list[str]] = {}
    for edge in edges_of(workflow):
        targets.setdefault(edge.source, []).append(edge.target)
    order: list[str] = []  # post-order of a depth-first walk; reversed, a topological order
    state: dict[str, int] = {workflow.start: 1}  # 1 on the current path, 2 done
    forward: dict[str, list[str]] = {}
    stack = [(workflow.start, iter(targets.get(workflow.start, [])))]
    while stack:  # an explicit stack: a document may chain a thousand steps
        node, pending = stack[-1]
        target = next(pending, None)
        if target is None:
            state[node] = 2
            order.append(node)
            stack.pop()
        elif state.get(target) != 1:  # an edge back to a step on the path is a loop, drawn upwards
            forward.setdefault(node, []).append(target)
            if target not in state:
                state[target] = 1
                stack.append((target, iter(targets.get(target, []))))

    rows = dict.fromkeys(order, 0)
    for node in reversed(order):
        for target in forward.get(node, []):
            rows[target] = max(rows[target], rows[node] + 1)
    return rows


def _arrow(edge: Edge, place: dict[str, tuple[float, float]], lane: float, skips: bool) -> list[str]:
    (sx, sy), (tx, ty) = place[edge.source], place[edge.target]
    x1, y1, x2 = sx + BOX_W / 2, sy + BOX_H, tx + BOX_W / 2
    if ty <= sy:  # a loop: from the source's side up to the target's side
        points = [
            (sx + BOX_W, sy + BOX_H / 2),
            (lane, sy + BOX_H / 2),
            (lane, ty + BOX_H / 2),
            (tx + BOX_W, ty + BOX_H / 2),
        ]
    elif skips:
        bend, land = y1 + GAP_Y / 3, ty - GAP_Y / 3
        points = [(x1, y1), (x1, bend), (lane, bend), (lane, land), (x2, land), (x2, ty)]
    else:
        points = [(x1, y1), (x2, ty)]
    path = " ".join(f"{x:.0f},{y:.0f}" for x, y in points)
    drawn = [f'<polyline points="{path}" fill="none" stroke="#555" marker-end="url(#arrow)"/>']
    if edge.label:
        (ax, ay), (bx, by) = points[0], points[1] if len(points) == 2 else points[2]
        drawn.append(
            f'<text x="{(ax + bx) / 2 + 4:.0f}" y="{(ay + by) / 2 + 12:.0f}" fill="#333">'
            f"{escape(edge.label)}</text>"
        )
    return drawn


def to_svg(workflow: Workflow) -> str:
    """A standalone SVG drawing of the workflow."""
    rows = _layers(workflow)
    by_row: dict[int, list[str]] = {}
    for step_id in workflow.steps:
        by_row.setdefault(rows.get(step_id, max(rows.values(), default=0) + 1), []).append(step_id)
    widest = max(len(ids) for ids in by_row.values())
    width = MARGIN * 3 + widest * BOX_W + (widest - 1) * GAP_X
    height = MARGIN * 2 + len(by_row) * BOX_H + (len(by_row) - 1) * GAP_Y
    place: dict[str, tuple[float, float]] = {}
    for row_index, row in enumerate(sorted(by_row)):
        ids = by_row[row]
        row_width = len(ids) * BOX_W + (len(ids) - 1) * GAP_X
        for i, step_id in enumerate(ids):
            x = (width - row_width) / 2 + i * (BOX_W + GAP_X)
            place[step_id] = (x, MARGIN + row_index * (BOX_H + GAP_Y))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(workflow.name)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
    ]
    lane = width - MARGIN / 2  # edges that skip rows run down this lane, clear of the boxes
    for edge in edges_of(workflow):
        parts += _arrow(edge, place, lane, skips=abs(rows.get(edge.target, 0) - rows.get(edge.source, 0)) > 1)
    for step_id, step in workflow.steps.items():
        x, y = place[step_id]
        parts.append(
            f'<g id="step-{escape(step_id)}"><rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" '
            f'height="{BOX_H}" rx="8" fill="{COLOURS.get(step.type, "#fff")}" stroke="#333"/>'
            f'<text x="{x + 10:.0f}" y="{y + 19:.0f}" font-weight="bold">{escape(step_id)}</text>'
            f'<text x="{x + 10:.0f}" y="{y + 36:.0f}">{escape(describe(step)[:28])}</text></g>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
