"""IAM's evaluation of an identity-based policy, for one request: an explicit Deny wins, then any
Allow, else the implicit deny.

Actions match case-insensitively and resources case-sensitively, ``*`` spanning any characters
(colons and slashes too) and ``?`` one, as IAM's wildcards do
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
Conditions: only the keys the local stack knows a value for (``iam:PassedToService``) are
evaluated; an Allow with any other condition does not apply and a Deny with one does, so an
unknown condition can only make the local answer stricter than AWS's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Request:
    """One authorised action on one resource, with the condition keys the caller knows."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()


@lru_cache(maxsize=4096)
def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    text = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(f"^{text}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _matches_any(globs: list[str], value: str, ignore_case: bool) -> bool:
    return any(_pattern(glob, ignore_case).match(value) for glob in globs)


def _applies(statement: dict[str, Any], request: Request) -> bool:
    if "Action" in statement:
        acts = _matches_any(_listed(statement["Action"]), request.action, ignore_case=True)
    else:
        acts = not _matches_any(_listed(statement.get("NotAction")), request.action, ignore_case=True)
    if "Resource" in statement:
        on = _matches_any(_listed(statement["Resource"]), request.resource, ignore_case=False)
    else:
        on = not _matches_any(_listed(statement.get("NotResource")), request.resource, ignore_case=False)
    return acts and on


def _conditions_hold(statement: dict[str, Any], request: Request) -> bool | None:
    """True or False where every condition is known; None where one is not."""
    known = dict(request.context)
    for operator, tests in (statement.get("Condition") or {}).items():
        for key, expected in tests.items():
            if key not in known or operator not in ("StringEquals", "StringLike"):
                return None
            like = operator == "StringLike"
            values = _listed(expected)
            if not (_matches_any(values, known[key], False) if like else known[key] in values):
                return False
    return True


@dataclass(frozen=True)
class Policy:
    """The statements of every policy attached to one role."""

    statements: tuple[dict[str, Any], ...]
    # A role's statements never change, so a request's answer never does: every function call
    # asks again (a send asks about a dozen), and the local stack's day asked a million times.
    _answers: dict[Request, bool] = field(default_factory=dict, compare=False, repr=False)

    def allows(self, request: Request) -> bool:
        answer = self._answers.get(request)
        if answer is None:
            answer = self._answers[request] = self._evaluate(request)
            if len(self._answers) > 100_000:  # requests name resources: keep the memory bounded
                self._answers.clear()
        return answer

    def _evaluate(self, request: Request) -> bool:
        allowed = False
        for statement in self.statements:
            if not _applies(statement, request):
                continue
            holds = _conditions_hold(statement, request)
            if statement.get("Effect") == "Deny" and holds is not False:
                return False
            if statement.get("Effect") == "Allow" and holds is True:
                allowed = True
        return allowed
