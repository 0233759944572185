"""Admin API authentication: a bearer token maps to roles: a role token to its one role, a person's
Cognito access token to the groups they are in (``auth.people``)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

# Every role, strongest first: a person in several groups is shown as the first.
ROLES = ("admin", "marketer", "finance")


class UnauthenticatedError(Exception):
    """No token, or a token no role holds (HTTP 401)."""


class ForbiddenError(Exception):
    """A known token whose role may not call this route (HTTP 403)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def role_of(authorization: str | None, token_hashes: dict[str, str]) -> str:
    """The role of the ``Authorization: Bearer …`` header; tokens are held only as hashes."""
    digest = token_hash(bearer(authorization))
    for known, role in token_hashes.items():
        if hmac.compare_digest(known, digest):
            return role
    raise UnauthenticatedError("the token is not valid")


def bearer(authorization: str | None) -> str:
    if not authorization or not authorization.startswith("Bearer "):
        raise UnauthenticatedError("send 'Authorization: Bearer <token>'")
    return authorization.removeprefix("Bearer ").strip()


def require(roles: tuple[str, ...], allowed: Iterable[str]) -> None:
    """Pass when any of ``roles`` may call the route."""
    if not set(roles) & set(allowed):
        raise ForbiddenError(f"the {' or '.join(roles)} role may not do this")
