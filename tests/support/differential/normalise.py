"""Where moto is wrong, and how a test sets the difference aside: explicitly, one defect per function.

Each function maps an outcome to one both engines can agree on; docs/runtime-fidelity.md says what
AWS documents and where each engine stands.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .outcome import Outcome


def without_failure_causes(outcome: Outcome) -> Outcome:
    """The outcome with every error output's ``Cause`` blanked to None.

    moto 5.2.5's SendTaskFailure handler reads ``error`` but drops ``cause``, so a catcher there sees
    ``"Cause": null`` where AWS passes on the cause the caller sent.
    """
    return dataclasses.replace(outcome, output=_blank_causes(outcome.output))


def _blank_causes(value: Any) -> Any:
    if isinstance(value, dict):
        if "Error" in value and "Cause" in value:
            return {**value, "Cause": None}
        return {key: _blank_causes(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_blank_causes(item) for item in value]
    return value
