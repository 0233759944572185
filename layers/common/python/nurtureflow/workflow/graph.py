"""The step graph read tolerantly from a raw document, so graph errors show up with parse errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PAUSING = frozenset({"wait", "wait_for"})


@dataclass
class StepGraph:
    start: str | None
    edges: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # id -> (pointer suffix, target)
    kinds: dict[str, str] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)
    split_totals: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> StepGraph:
        start = document.get("start")
        graph = cls(start if isinstance(start, str) else None)
        steps = document.get("steps")
        for step_id, step in steps.items() if isinstance(steps, dict) else []:
            if isinstance(step, dict):
                graph._add(str(step_id), step)
        return graph

    def _add(self, step_id: str, step: dict[str, Any]) -> None:
        self.kinds[step_id] = str(step.get("type"))
        targets: list[tuple[str, str]] = []
        for key in ("next", "on_timeout", "on_failure", "default"):
            if isinstance(step.get(key), str):
                targets.append((key, step[key]))
        for list_key in ("cases", "paths", "any"):
            items = step.get(list_key)
            for i, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, dict) and isinstance(item.get("next"), str):
                    targets.append((f"{list_key}/{i}/next", item["next"]))
        self.edges[step_id] = targets
        if step.get("type") == "email" and isinstance(step.get("template"), str):
            self.templates[step_id] = step["template"]
        if step.get("type") == "split" and isinstance(step.get("paths"), list):
            self.split_totals[step_id] = sum(
                p["percent"]
                for p in step["paths"]
                if isinstance(p, dict) and isinstance(p.get("percent"), int)
            )

    def targets(self, step_id: str) -> list[str]:
        return [t for _, t in self.edges.get(step_id, []) if t in self.edges]

    def unreachable(self) -> list[str]:
        seen = {self.start} if self.start else set()
        frontier = list(seen)
        while frontier:
            for target in self.targets(frontier.pop()):
                if target not in seen:
                    seen.add(target)
                    frontier.append(target)
        return [s for s in self.edges if s not in seen]

    def loop_without_pause(self) -> str | None:
        """A step on a cycle that never pauses: such a run would spin, and bill, without end."""
        state: dict[str, int] = {}  # 1: on the current path, 2: finished
        for root in sorted(self.edges):
            if self.kinds.get(root) in PAUSING or root in state:
                continue
            # An explicit stack, not recursion: a document may chain a thousand steps.
            stack = [(root, iter(self.targets(root)))]
            state[root] = 1
            while stack:
                node, pending = stack[-1]
                target = next(pending, None)
                if target is None:
                    state[node] = 2
                    stack.pop()
                elif self.kinds.get(target) in PAUSING:
                    continue
                elif state.get(target) == 1:
                    return target
                elif target not in state:
                    state[target] = 1
                    stack.append((target, iter(self.targets(target))))
        return None
