"""Why a template upload is refused (kept free of Jinja2, so the error mapping imports it cheaply)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TemplateProblem:
    """One reason an upload is refused: the field (part) it is in, a sentence, line and name if known."""

    field: str
    message: str
    line: int | None = None
    name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        found = {"field": self.field, "message": self.message, "line": self.line, "name": self.name}
        return {key: value for key, value in found.items() if value is not None}


class TemplateInvalidError(Exception):
    """An upload refused whole (HTTP 422), with every problem found."""

    def __init__(self, problems: list[TemplateProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems
