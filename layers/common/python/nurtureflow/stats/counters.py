"""The names of the counters on a workflow version's stats item (shared by writers and the report)."""

from __future__ import annotations

import re

STEP_PREFIX = "step#"
REVENUE_PREFIX = "revenue#"
# Reasons are open-ended strings (other features add their own): kept readable and bounded.
_UNSAFE = re.compile(r"[^a-z0-9_.:-]+")


def step_counter(step: str, name: str) -> str:
    return f"{STEP_PREFIX}{step}#{name}"


def skipped_counter(step: str, reason: str) -> str:
    return step_counter(step, f"skipped#{clean_reason(reason)}")


def clean_reason(reason: str | None) -> str:
    """A reason as a counter name: lower case, no separators, at most 64 characters."""
    cleaned = _UNSAFE.sub("_", (reason or "unknown").strip().lower()).strip("_")
    return cleaned[:64] or "unknown"
