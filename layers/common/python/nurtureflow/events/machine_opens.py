"""Telling machine opens (mail proxies fetching images, scanners at delivery) from people opening.

Apple Mail Privacy Protection fetches every image of every message, so an open pixel proves
little. An open is flagged ``machine`` when it comes too soon after the send for a person, or
through a known prefetching proxy; it is still recorded, but engagement conditions ignore it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

# Sooner than this after the send, no person has opened the message yet: a scanner or a prefetch.
TOO_SOON = timedelta(seconds=10)
# Gmail's and Yahoo's image proxies are not listed: they fetch when a person opens the message
# (hiding the reader's address), so their opens are people's. Apple's proxies fetch at delivery.
# Apple's network (MPP proxies fetch from it); MPP also sends the bare agent "Mozilla/5.0".
APPLE_NETWORKS = (ipaddress.ip_network("17.0.0.0/8"),)
APPLE_MPP_AGENT = "Mozilla/5.0"


@dataclass(frozen=True)
class OpenRequest:
    """What the open pixel's request says about who fetched it."""

    user_agent: str | None = None
    source_ip: str | None = None


def machine_reason(request: OpenRequest, sent_at: str | None, opened_at: datetime) -> str | None:
    """Why the open looks like a machine's, or None when it may be a person's."""
    agent = (request.user_agent or "").strip()
    if agent == APPLE_MPP_AGENT or _in_apple_network(request.source_ip):
        return "apple_mpp"
    if sent_at is not None and opened_at - datetime.fromisoformat(sent_at) < TOO_SOON:
        return "too_soon"
    return None


def _in_apple_network(source_ip: str | None) -> bool:
    if not source_ip:
        return False
    try:
        address = ipaddress.ip_address(source_ip)
    except ValueError:
        return False
    return any(address in network for network in APPLE_NETWORKS)
