"""The hosts a tracked link may redirect to: the account's allowlist (``NURTUREFLOW_LINK_HOSTS``).

Every entry is a host name that allows itself and its subdomains (``shop.example`` allows
``www.shop.example`` too); ``*`` allows every host (the default, for tools that run outside a
deployment: the simulator, tests). The stack always sets the list: the sender domain and the
``linkHosts`` context (docs/security.md).

A URL is judged on the spelling the redirect would send (``header_safe_url``): a backslash or a
control character that a browser would read as the end of the host is percent-encoded first, so
what is checked is what the browser follows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

from nurtureflow.sending.urls import header_safe_url
from nurtureflow.settings import TrackingSettings

ANY_HOST = "*"
# A DNS name or an IP address; anything else (a percent escape, an IDN in Unicode) is no host we
# compare: a browser may read it differently than we do.
_HOST = re.compile(r"^([a-z0-9_-]+(\.[a-z0-9_-]+)*|[0-9a-f:.]+)$")


def normalise_host(host: str) -> str:
    """Lower-cased, without the trailing dot of a fully qualified name."""
    return host.strip().lower().rstrip(".")


def link_host(url: str) -> str | None:
    """The host an absolute http(s) URL leads to, as a browser reads it; None for anything else."""
    try:
        parts = urlsplit(header_safe_url(url.strip()))
        host = parts.hostname
    except ValueError:  # an invalid IPv6 literal or port
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    name = normalise_host(host)
    return name if _HOST.match(name) else None


class LinkNotAllowedError(Exception):
    """A click token whose link leads to a host the account does not allow: never redirected."""


class LinkHosts:
    """Whether a link's host is on the allowlist."""

    def __init__(self, entries: Iterable[str]) -> None:
        hosts = {normalise_host(entry) for entry in entries if entry.strip()}
        self._any = ANY_HOST in hosts
        self._hosts = frozenset(hosts - {ANY_HOST})

    def allows_host(self, host: str) -> bool:
        name = normalise_host(host)
        if self._any:
            return True
        return any(name == allowed or name.endswith("." + allowed) for allowed in self._hosts)

    def allows(self, url: str) -> bool:
        """True for an absolute http(s) URL whose host (or a parent domain of it) is listed."""
        host = link_host(url)
        return host is not None and self.allows_host(host)


def allowed_link_hosts(settings: TrackingSettings) -> LinkHosts:
    """The allowlist of ``settings``, built once per distinct list."""
    return _link_hosts(tuple(settings.link_hosts))


@lru_cache(maxsize=8)
def _link_hosts(entries: tuple[str, ...]) -> LinkHosts:
    return LinkHosts(entries)
