"""The scoring rules' refusal, on its own: the API's error mapping names it without loading the
rules' validator (and through it the workflow language's models) into every function."""

from __future__ import annotations

from nurtureflow.workflow.errors import ValidationIssue


class ScoringInvalidError(Exception):
    """A rules document refused whole, with every error found."""

    def __init__(self, issues: list[ValidationIssue]) -> None:
        super().__init__(f"{len(issues)} error(s) in the scoring rules")
        self.issues = issues
