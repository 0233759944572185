"""People's sign-in locally: moto's Cognito user pool with one person per role, and a stand-in for
Cognito's hosted sign-in page (moto has none), so the console signs people in locally exactly as it
does in AWS: authorization code with PKCE, then the pool's access token on every API call.

The stand-in serves the hosted page's endpoints under ``/_local/sign-in``: ``/oauth2/authorize``
(the form), ``/login`` (its post), ``/oauth2/token`` and ``/logout``. It checks each password with
moto's ``InitiateAuth`` and hands out the tokens moto issues, which the admin function verifies
against moto's published keys as it verifies Cognito's in AWS. It is stricter than the hosted page
where it differs: PKCE (S256) is required, a code lives five minutes and is used once, and it sends
the browser only to the app client's registered callback and sign-out URLs (never an open
redirect). It has no session of its own: every visit asks for the password.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from nurtureflow.auth.roles import ROLES
from nurtureflow.local.gateway import LocalPage, LocalRedirect, with_query

PREFIX = "/_local/sign-in"
CODE_LIFETIME_SECONDS = 300  # Cognito's authorization codes are valid for five minutes
_FIELDS = ("client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method")


@dataclass(frozen=True)
class LocalPeople:
    """The local user pool: its ids, and the person of each role with the password they share."""

    pool_id: str
    client_id: str
    password: str
    users: dict[str, str]  # role -> the person's email (their username)


def create_people(
    cognito: Any, console_url: str, password: str, domain: str = "shop.internal"
) -> LocalPeople:
    """A pool as the stack's (email as username, no self sign-up), its groups, the console's app
    client, and a person in each group."""
    pool = cognito.create_user_pool(
        PoolName="NurtureFlow-people",
        UsernameAttributes=["email"],
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool,
        ClientName="console",
        GenerateSecret=False,
        # The stand-in checks passwords with InitiateAuth; the console itself only uses the code flow.
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        AllowedOAuthFlows=["code"],
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthScopes=["openid", "email"],
        CallbackURLs=[console_url],
        LogoutURLs=[console_url],
        SupportedIdentityProviders=["COGNITO"],
    )["UserPoolClient"]["ClientId"]
    users = {}
    for precedence, role in enumerate(ROLES):
        cognito.create_group(UserPoolId=pool, GroupName=role, Precedence=precedence)
        email = f"{role}@{domain}"
        cognito.admin_create_user(
            UserPoolId=pool,
            Username=email,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        )
        cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password=password, Permanent=True)
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName=role)
        users[role] = email
    return LocalPeople(pool, client, password, users)


class HostedSignIn:
    def __init__(self, cognito: Any, people: LocalPeople) -> None:
        self._cognito, self._people = cognito, people
        described = cognito.describe_user_pool_client(UserPoolId=people.pool_id, ClientId=people.client_id)
        self._callbacks = set(described["UserPoolClient"].get("CallbackURLs", []))
        self._logouts = set(described["UserPoolClient"].get("LogoutURLs", []))
        self._codes: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def routes(self) -> dict[tuple[str, str], Any]:
        return {
            ("GET", f"{PREFIX}/oauth2/authorize"): with_query(self._authorize),
            ("POST", f"{PREFIX}/login"): self._login,
            ("POST", f"{PREFIX}/oauth2/token"): self._token,
            ("GET", f"{PREFIX}/logout"): with_query(self._logout),
        }

    # -- the page ----------------------------------------------------------------------
    def _authorize(self, method: str, body: bytes, query: str) -> tuple[int, Any]:
        request = _single(parse_qs(query))
        problem = self._check(request)
        if problem is None and request.get("response_type") != "code":
            problem = "response_type must be code"
        if problem is not None:
            return 400, LocalPage(_page(problem=problem))
        return 200, LocalPage(_page(request))

    def _login(self, method: str, body: bytes) -> tuple[int, Any]:
        form = _single(parse_qs(body.decode("utf-8", "replace")))
        problem = self._check(form)
        if problem is not None:
            return 400, LocalPage(_page(problem=problem))
        try:
            answer = self._cognito.initiate_auth(
                ClientId=self._people.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": form.get("username", ""), "PASSWORD": form.get("password", "")},
            )
        except self._cognito.exceptions.ClientError as error:
            if error.response["Error"]["Code"] not in ("NotAuthorizedException", "UserNotFoundException"):
                raise
            return 200, LocalPage(_page(form, wrong=True))
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = {
                "tokens": answer["AuthenticationResult"],
                "client_id": form["client_id"],
                "redirect_uri": form["redirect_uri"],
                "challenge": form["code_challenge"],
                "expires": time.monotonic() + CODE_LIFETIME_SECONDS,
            }
        back = {"code": code, **({"state": form["state"]} if form.get("state") else {})}
        return 302, LocalRedirect(f"{form['redirect_uri']}?{urlencode(back)}")

    def _check(self, request: dict[str, str]) -> str | None:
        """What is wrong with an authorize request, before anything is shown or redirected."""
        if request.get("client_id") != self._people.client_id:
            return "client_id is not this pool's app client"
        if request.get("redirect_uri") not in self._callbacks:
            return "redirect_uri is not a callback URL of the app client"  # never redirect there
        if request.get("code_challenge_method") != "S256" or not request.get("code_challenge"):
            return "PKCE is required: code_challenge with code_challenge_method S256"
        return None

    # -- the token endpoint --------------------------------------------------------------
    def _token(self, method: str, body: bytes) -> tuple[int, Any]:
        form = _single(parse_qs(body.decode("utf-8", "replace")))
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            issued = self._codes.pop(form.get("code", ""), None)  # a code is used once
        if (
            issued is None
            or issued["expires"] < time.monotonic()
            or issued["client_id"] != form.get("client_id")
            or issued["redirect_uri"] != form.get("redirect_uri")
            or _challenge(form.get("code_verifier", "")) != issued["challenge"]
        ):
            return 400, {"error": "invalid_grant"}
        tokens = issued["tokens"]
        return 200, {
            "access_token": tokens["AccessToken"],
            "id_token": tokens["IdToken"],
            "refresh_token": tokens.get("RefreshToken", ""),
            "token_type": "Bearer",
            "expires_in": tokens.get("ExpiresIn", 3600),
        }

    def _logout(self, method: str, body: bytes, query: str) -> tuple[int, Any]:
        request = _single(parse_qs(query))
        known = request.get("logout_uri") in self._logouts
        if request.get("client_id") != self._people.client_id or not known:
            return 400, LocalPage(_page(problem="logout_uri is not a sign-out URL of the app client"))
        return 302, LocalRedirect(request["logout_uri"])


def _single(values: dict[str, list[str]]) -> dict[str, str]:
    return {key: found[0] for key, found in values.items() if found}


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _page(request: dict[str, str] | None = None, *, wrong: bool = False, problem: str | None = None) -> str:
    """The sign-in form (or what was wrong with the request that asked for it)."""
    if problem is not None:
        main = f'<h1>Cannot sign in</h1><p role="alert">{html.escape(problem)}</p>'
    else:
        assert request is not None
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(request.get(name, ""))}">'
            for name in _FIELDS
        )
        alert = '<p role="alert" id="problem">Incorrect username or password.</p>' if wrong else ""
        main = (
            "<h1>Sign in to NurtureFlow</h1>"
            "<p>The local stack's stand-in for Cognito's sign-in page, for the people it prints "
            "at start-up.</p>"
            f'<form method="post" action="{PREFIX}/login">{hidden}'
            '<label for="username">Email</label>'
            '<input id="username" name="username" type="email" autocomplete="username" required>'
            '<label for="password">Password</label>'
            '<input id="password" name="password" type="password" '
            'autocomplete="current-password" required>'
            f'{alert}<button type="submit">Sign in</button></form>'
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<style>body{font:16px system-ui,sans-serif;max-width:24rem;margin:3rem auto;"
        "padding:0 1rem;color:#111}"
        "label,input,button{display:block;width:100%;margin:.4rem 0}"
        "input{padding:.5rem;box-sizing:border-box}"
        "button{padding:.6rem;background:#1d4ed8;color:#fff;border:0;border-radius:4px}"
        "[role=alert]{color:#b91c1c}</style></head>"
        f"<body><main>{main}</main></body></html>"
    )
