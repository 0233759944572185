"""Shortening a definition's waits so that both engines run it in (real) milliseconds.

moto's interpreter waits in real time and ours on a virtual clock, so every duration in the definition is
rewritten, identically for both engines, before either sees it:

* ``Wait`` with ``Seconds`` waits 0 seconds; with ``Timestamp``, until :data:`PAST`;
* ``SecondsPath`` / ``TimestampPath`` waits are left alone: the values come from the data, and the
  scripts give past timestamps (the execution input's ``run.start_at``, the ``until`` a task returns);
* ``TimeoutSeconds`` on a task becomes ``timeout`` (1 s by default: the smallest AWS accepts, so a
  scripted timeout costs moto one real second);
* retriers wait 1 s at most (``IntervalSeconds`` 1, ``MaxDelaySeconds`` 1); attempts and backoff stay.

Nothing else changes: states, transitions, paths and retry counts are what the test is about.
"""

from __future__ import annotations

import copy
from typing import Any

PAST = "2000-01-01T00:00:00Z"


def shorten_waits(definition: dict[str, Any], timeout: int = 1) -> dict[str, Any]:
    """A copy of ``definition`` (Parallel branches and Map processors included) with short waits."""
    shortened = copy.deepcopy(definition)
    _shorten_block(shortened, timeout)
    return shortened


def _shorten_block(block: dict[str, Any], timeout: int) -> None:
    for state in block["States"].values():
        if state["Type"] == "Wait":
            if "Seconds" in state:
                state["Seconds"] = 0
            if "Timestamp" in state:
                state["Timestamp"] = PAST
        if "TimeoutSeconds" in state:
            state["TimeoutSeconds"] = timeout
        for retrier in state.get("Retry", []):
            retrier["IntervalSeconds"] = 1
            retrier["MaxDelaySeconds"] = 1
        for branch in state.get("Branches", []):
            _shorten_block(branch, timeout)
        for processor in ("ItemProcessor", "Iterator"):
            if processor in state:
                _shorten_block(state[processor], timeout)
