"""How much a publishable site key may post: fixed one-hour windows per address, per source and per key.

Anyone can read a site key from the site's pages, so these limits are what stands between it and a
subscription bomber enrolling thousands of strangers into welcome emails:

* events naming one address: ``events_per_address_per_hour`` (60);
* addresses new to the platform (no contact yet) from one source: ``new_addresses_per_ip_per_hour``
  (10), the source being the client's IP address (an IPv6 address counts by its /64 network, which
  one client usually holds whole);
* addresses new to the platform through one site key: ``new_addresses_per_site_key_per_hour``
  (1000).

A post over any limit is refused whole (``RateLimitedError``: 429 with Retry-After, nothing stored).
Counters are counted before the post is stored, one conditional update each, so a refused post may
have used part of the windows checked before the one it failed. Subjects are kept as digests: the
counters hold no address or IP.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections import Counter
from typing import Protocol

from nurtureflow.clock import Clock
from nurtureflow.contacts.model import contact_id_for
from nurtureflow.events.model import IncomingEvent
from nurtureflow.settings import RateLimitSettings

WINDOW_SECONDS = 3600
# Counters outlive their window a little (DynamoDB's TTL deletes within days; readers ignore old
# windows anyway, each window has its own key).
KEPT_AFTER_WINDOW = 3600


class RateLimitedError(Exception):
    """A post over one of the limits; ``retry_after`` seconds until its window ends."""

    def __init__(self, limit: str, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.limit, self.retry_after = limit, retry_after


class Counters(Protocol):
    def take(self, key: str, amount: int, limit: int, expires_at: int) -> bool: ...


class KnownContacts(Protocol):
    def exists(self, contact_id: str) -> bool: ...


def source_of(ip: str | None) -> str:
    """The source a post is counted against: its IP address, or its /64 network for IPv6."""
    if not ip:
        return "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class EnrolmentLimits:
    """Counts a publishable key's post against its windows; raises when one is full."""

    def __init__(
        self, counters: Counters, contacts: KnownContacts, clock: Clock, limits: RateLimitSettings
    ) -> None:
        self._counters, self._contacts, self._clock, self._limits = counters, contacts, clock, limits

    def check(self, events: list[IncomingEvent], site_key: str, source_ip: str | None) -> None:
        """Count the post, or raise ``RateLimitedError`` naming the limit it went over."""
        per_address = Counter(event.email for event in events if event.email is not None)
        if not per_address:
            return  # anonymous events enrol nobody
        now = self._clock.now().timestamp()
        window = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
        retry_after = max(1, math.ceil(window + WINDOW_SECONDS - now))
        expires_at = window + WINDOW_SECONDS + KEPT_AFTER_WINDOW
        new = [address for address in per_address if not self._contacts.exists(contact_id_for(address))]
        limits = self._limits
        takes: list[tuple[str, str, int, int, str]] = []
        if new:
            takes += [
                (
                    "new_addresses_per_ip",
                    f"ip#{_digest(source_of(source_ip))}",
                    len(new),
                    limits.new_addresses_per_ip_per_hour,
                    f"at most {limits.new_addresses_per_ip_per_hour} new addresses an hour from one source",
                ),
                (
                    "new_addresses_per_site_key",
                    f"site#{_digest(site_key)}",
                    len(new),
                    limits.new_addresses_per_site_key_per_hour,
                    f"at most {limits.new_addresses_per_site_key_per_hour} new addresses an hour "
                    "through one site key",
                ),
            ]
        takes += [
            (
                "events_per_address",
                f"address#{_digest(address)}",
                count,
                limits.events_per_address_per_hour,
                f"at most {limits.events_per_address_per_hour} events an hour naming one address",
            )
            for address, count in sorted(per_address.items())
        ]
        for name, key, amount, limit, message in takes:
            if not self._counters.take(f"{key}#{window}", amount, limit, expires_at):
                raise RateLimitedError(name, message, retry_after)
