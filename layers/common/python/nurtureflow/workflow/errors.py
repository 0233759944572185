"""Errors of the workflow language, each with the JSON Pointer of what it is about."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ValidationIssue:
    pointer: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "message": self.message}


class WorkflowInvalidError(Exception):
    """A document refused whole, with every error found."""

    def __init__(self, issues: list[ValidationIssue]) -> None:
        super().__init__(f"{len(issues)} error(s) in the workflow")
        self.issues = issues


class WorkflowNotFoundError(Exception):
    """No workflow has that id."""


class WorkflowArchivedError(Exception):
    """The workflow is archived (``DELETE /admin/workflows/{id}``): it cannot be activated, paused or
    given a new version; it stays readable."""
