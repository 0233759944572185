"""One id per visit of a run to a step: every retry of the visit shares it, a loop's next visit
does not. A send's id and a webhook's delivery id are such ids, each with its own prefix."""

from __future__ import annotations

import hashlib


def visit_id(prefix: str, execution_arn: str, step: str, entered_at: str) -> str:
    """``prefix`` and 24 hex digits of SHA-256 over the run, the step and when the visit began."""
    return prefix + hashlib.sha256(f"{execution_arn}|{step}|{entered_at}".encode()).hexdigest()[:24]
