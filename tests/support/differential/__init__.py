"""Differential runs: one compiled definition, one script, on our runtime and on moto's interpreter.

``run_both`` shortens the definition's waits (``shorten.shorten_waits``), runs it on our runtime with the
script's Lambda results, then on moto's with the same results in the same order, and returns both
outcomes for the test to compare.
"""

from __future__ import annotations

import itertools
from typing import Any

from .normalise import without_failure_causes
from .on_moto import MotoEngine, moto_engine
from .ours import OurEngine
from .outcome import Outcome
from .script import Callback, Fail, Script, Succeed, TimeOut
from .shorten import PAST, shorten_waits
from .stubs import DEFERRED, EVENT, SENT, run_input, stub_script

__all__ = [
    "DEFERRED",
    "EVENT",
    "PAST",
    "SENT",
    "Callback",
    "Fail",
    "MotoEngine",
    "OurEngine",
    "Outcome",
    "Script",
    "Succeed",
    "TimeOut",
    "moto_engine",
    "run_both",
    "run_input",
    "shorten_waits",
    "stub_script",
    "without_failure_causes",
]

_names = itertools.count()


def run_both(definition: dict[str, Any], script: Script, moto: MotoEngine) -> tuple[Outcome, Outcome]:
    """(ours, moto's) outcome of one run of ``definition`` with its waits shortened."""
    short = shorten_waits(definition)
    name = f"differential-{next(_names)}"
    ours = OurEngine()
    ours_outcome, results = ours.run(ours.create(name, short), "run", script)
    moto_outcome = moto.run(moto.create(name, short), "run", script, results)
    return ours_outcome, moto_outcome
