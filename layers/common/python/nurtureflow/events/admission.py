"""What a post through a publishable site key must pass before it is stored (docs/security.md).

A secret server key skips all of it: it is the site's own backend, trusted with any trait and
not rate limited.
"""

from __future__ import annotations

from nurtureflow.events.model import IncomingEvent
from nurtureflow.events.protected_traits import ProtectedTraitError, protected_trait_problems
from nurtureflow.events.rate_limits import EnrolmentLimits


class PublicKeyAdmission:
    def __init__(self, protected_traits: list[str], limits: EnrolmentLimits) -> None:
        self._protected, self._limits = protected_traits, limits

    def admit(
        self, events: list[IncomingEvent], site_key: str, source_ip: str | None, *, batched: bool
    ) -> None:
        """Refuse protected traits (before counting anything), then count the post against its limits."""
        problems = protected_trait_problems(events, self._protected, batched)
        if problems:
            raise ProtectedTraitError(problems)
        self._limits.check(events, site_key, source_ip)
