"""People's sign-in: the admin API accepts a Cognito user pool's access tokens besides role tokens.

The console signs a person in with Cognito's hosted page (authorization code with PKCE) and sends
the access token it gets as ``Authorization: Bearer``. The token is verified here, in the function,
as AWS describes ("Verifying a JSON Web Token", Amazon Cognito Developer Guide): its RS256
signature against the pool's published keys (fetched once per cold start, again only for a key id
not seen yet), its issuer (the pool), ``token_use`` (``access``), ``client_id`` (the console's app
client) and its expiry. No call to Cognito per request, so no IAM permission either.

The person's roles are the pool groups they belong to among admin, marketer and finance (the
``cognito:groups`` claim); a person in several has each one's rights.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from nurtureflow.auth.roles import ROLES, ForbiddenError, UnauthenticatedError

if TYPE_CHECKING:  # PyJWT and cryptography are loaded on the first person's token, not at cold start
    from jwt import PyJWKClient

# Cognito's signing keys rotate rarely; an unknown key id triggers a fresh read, at most this often.
_JWKS_LIFESPAN_SECONDS = 3600
_LEEWAY_SECONDS = 30  # clock skew between Cognito and Lambda


def looks_like_jwt(token: str) -> bool:
    """A JWS in compact form: three base64url parts; role tokens never have two dots."""
    return token.count(".") == 2 and token.startswith("eyJ")


def issuer(pool_id: str) -> str:
    region = pool_id.split("_", 1)[0]
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


@cache
def _keys(jwks_url: str) -> PyJWKClient:
    from jwt import PyJWKClient

    return PyJWKClient(jwks_url, cache_keys=True, lifespan=_JWKS_LIFESPAN_SECONDS, timeout=5)


def roles_of_person(token: str, pool_id: str, client_id: str, endpoint: str | None = None) -> tuple[str, ...]:
    """The roles a verified access token of ``pool_id`` grants, in ``ROLES`` order.

    ``endpoint`` replaces Cognito's public host for the keys (the local stack's moto); the issuer
    checked is always the pool's own.
    """
    import jwt

    keys_at = f"{endpoint.rstrip('/')}/{pool_id}" if endpoint else issuer(pool_id)
    jwks_url = f"{keys_at}/.well-known/jwks.json"
    try:
        key = _keys(jwks_url).get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            issuer=issuer(pool_id),
            leeway=_LEEWAY_SECONDS,
            options={"require": ["exp", "iss", "token_use", "client_id"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise UnauthenticatedError("the sign-in has expired: sign in again") from None
    except jwt.PyJWKClientConnectionError:
        # Not the person's fault, and not a reason to let them in.
        raise UnauthenticatedError("the sign-in could not be checked just now: try again") from None
    except jwt.PyJWTError:
        raise UnauthenticatedError("the token is not valid") from None
    # An access token has no "aud": its app client is "client_id". An ID token is not for APIs.
    if claims.get("token_use") != "access" or claims.get("client_id") != client_id:
        raise UnauthenticatedError("the token is not valid")
    groups = claims.get("cognito:groups") or []
    roles = tuple(role for role in ROLES if role in groups)
    if not roles:
        raise ForbiddenError(
            f"your account is in none of the groups {', '.join(ROLES)}: ask an administrator to add you"
        )
    return roles
