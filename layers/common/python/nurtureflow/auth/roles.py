"""Admin API authentication: a bearer token maps to one role."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable


class UnauthenticatedError(Exception):
    """No token, or a token no role holds (HTTP 401)."""


class ForbiddenError(Exception):
    """A known token whose role may not call this route (HTTP 403)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def role_of(authorization: str | None, token_hashes: dict[str, str]) -> str:
    """The role of the ``Authorization: Bearer …`` header; tokens are held only as hashes."""
    if not authorization or not authorization.startswith("Bearer "):
        raise UnauthenticatedError("send 'Authorization: Bearer <token>'")
    digest = token_hash(authorization.removeprefix("Bearer ").strip())
    for known, role in token_hashes.items():
        if hmac.compare_digest(known, digest):
            return role
    raise UnauthenticatedError("the token is not valid")


def require(role: str, allowed: Iterable[str]) -> None:
    if role not in allowed:
        raise ForbiddenError(f"the {role} role may not do this")
