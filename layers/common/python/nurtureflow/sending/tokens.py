"""Signed tracking tokens: the only thing a click, open or unsubscribe link carries.

A token is ``base64url(payload) "." key_id "." base64url(HMAC-SHA256(payload_part "." key_id))``,
without padding, where the payload is compact JSON with sorted keys. The key id travels in the
token so keys can rotate: sign with the current key, verify with any key still listed.

Payload kinds used by the platform: ``{"k": "c", "s": send_id, "u": url}`` (click),
``{"k": "o", "s": send_id}`` (open) and ``{"k": "u", "s": send_id}`` (unsubscribe).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
from typing import Any

# Key ids travel inside URLs and are split on ".": keep them to URL-safe characters without dots.
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
# Far above any real token (a click token holds one URL); refusing early bounds the work per request.
MAX_TOKEN_LENGTH = 4096
# What each kind must carry besides "k", so a caller never reads a missing field.
_KIND_FIELDS = {"c": ("s", "u"), "o": ("s",), "u": ("s",)}


class InvalidTokenError(ValueError):
    """A token that is malformed, tampered with, signed by an unknown key, or of the wrong kind."""


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, signed_part: str) -> str:
    # hmac.digest: the one-shot form, computed in C (every tracked link of every send signs one).
    return _b64encode(hmac.digest(secret.encode(), signed_part.encode("ascii"), "sha256"))


def sign(payload: dict[str, Any], keys: dict[str, str], key_id: str) -> str:
    """A token carrying ``payload``, signed with ``keys[key_id]``."""
    if not _KEY_ID.match(key_id):
        raise ValueError(f"key id '{key_id}' must be 1 to 32 letters, digits, '-' or '_'")
    if key_id not in keys:
        raise ValueError(f"key id '{key_id}' is not among the signing keys")
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True, allow_nan=False).encode()
    payload_part = _b64encode(body)
    signed_part = f"{payload_part}.{key_id}"
    token = f"{signed_part}.{_mac(keys[key_id], signed_part)}"
    if len(token) > MAX_TOKEN_LENGTH:
        # verify() refuses such tokens, so signing one would mint a link that can never work.
        raise ValueError(f"the payload makes a token longer than {MAX_TOKEN_LENGTH} characters")
    return token


def verify(token: str, keys: dict[str, str]) -> dict[str, Any]:
    """The payload of a token signed by one of ``keys``; ``InvalidTokenError`` otherwise."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidTokenError("the token is too long")
    parts = token.split(".")
    # Non-ASCII cannot appear in a token we signed (and compare_digest refuses non-ASCII text).
    if len(parts) != 3 or not token.isascii():
        raise InvalidTokenError("the token is malformed")
    payload_part, key_id, mac = parts
    secret = keys.get(key_id)
    if secret is None:
        raise InvalidTokenError("the token was signed by an unknown key")
    # Comparing the encoded MAC text (not decoded bytes) refuses every other spelling of the same
    # bytes too, so any change to the token's characters fails here.
    if not hmac.compare_digest(_mac(secret, f"{payload_part}.{key_id}"), mac):
        raise InvalidTokenError("the token's signature does not match")
    try:
        payload = json.loads(_b64decode(payload_part))
    except (binascii.Error, ValueError):
        raise InvalidTokenError("the token's payload is not JSON") from None
    if not isinstance(payload, dict):
        raise InvalidTokenError("the token's payload is not an object")
    return payload


def verify_kind(token: str, keys: dict[str, str], kind: str) -> dict[str, Any]:
    """Like ``verify``, and the payload is of ``kind`` with that kind's fields present as strings."""
    payload = verify(token, keys)
    if payload.get("k") != kind:
        raise InvalidTokenError(f"the token is not a '{kind}' token")
    for field in _KIND_FIELDS.get(kind, ()):
        if not isinstance(payload.get(field), str):
            raise InvalidTokenError(f"the token lacks its '{field}' field")
    return payload
