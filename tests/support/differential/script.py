"""What the outside world does during a differential run: Lambda results and task-token answers.

Both are keyed by state name and counted per state, so a state entered twice (a quiet-hours deferral, a
loop) may get a different answer each time; the last answer of a list repeats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Succeed:
    """Answer the task token with SendTaskSuccess."""

    output: Any


@dataclass(frozen=True)
class Fail:
    """Answer the task token with SendTaskFailure."""

    error: str
    cause: str = ""


@dataclass(frozen=True)
class TimeOut:
    """Leave the task token unanswered until the task's TimeoutSeconds (shortened to 1 s) runs out."""


Callback = Succeed | Fail | TimeOut


@dataclass(frozen=True)
class Script:
    """The execution input, each task state's Lambda results and each callback state's token answers."""

    input: dict[str, Any]
    results: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    callbacks: Mapping[str, Sequence[Callback]] = field(default_factory=dict)

    def result(self, state: str, call: int) -> Any:
        """The Lambda Payload the ``call``-th invocation (from 0) made by ``state`` returns."""
        if state not in self.results:
            raise KeyError(f"the script has no Lambda result for state '{state}'")
        return _nth(self.results[state], call)

    def callback(self, state: str, entry: int) -> Callback:
        """How the task token of the ``entry``-th token (from 0) issued in ``state`` is answered."""
        if state not in self.callbacks:
            raise KeyError(f"the script does not say how to answer the task token of state '{state}'")
        return _nth(self.callbacks[state], entry)


def _nth(answers: Sequence[Any], index: int) -> Any:
    return answers[min(index, len(answers) - 1)]
